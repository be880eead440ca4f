import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WakeUpTimer } from './wake-up';

describe('WakeUpTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once after `seconds`', () => {
    const fire = vi.fn();
    const t = new WakeUpTimer(5, fire);
    t.arm();
    vi.advanceTimersByTime(4999);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('does nothing until armed', () => {
    const fire = vi.fn();
    new WakeUpTimer(1, fire);
    vi.advanceTimersByTime(10_000);
    expect(fire).not.toHaveBeenCalled();
  });

  it('supports fractional seconds', () => {
    const fire = vi.fn();
    const t = new WakeUpTimer(0.25, fire);
    t.arm();
    vi.advanceTimersByTime(249);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('pause() before the delay prevents firing; arm() restarts the full delay', () => {
    const fire = vi.fn();
    const t = new WakeUpTimer(5, fire);
    t.arm();
    vi.advanceTimersByTime(4000);
    t.pause();
    vi.advanceTimersByTime(10_000);
    expect(fire).not.toHaveBeenCalled();
    t.arm();
    // Not 1 s left over: the whole 5 s again.
    vi.advanceTimersByTime(4999);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('after firing, arm() does nothing until userSpoke()', () => {
    const fire = vi.fn();
    const t = new WakeUpTimer(2, fire);
    t.arm();
    vi.advanceTimersByTime(2000);
    expect(fire).toHaveBeenCalledTimes(1);
    // The silence after its own prompt: re-arming must not fire again.
    t.arm();
    vi.advanceTimersByTime(60_000);
    t.pause();
    t.arm();
    vi.advanceTimersByTime(60_000);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('after userSpoke() + arm() it fires again', () => {
    const fire = vi.fn();
    const t = new WakeUpTimer(2, fire);
    t.arm();
    vi.advanceTimersByTime(2000);
    expect(fire).toHaveBeenCalledTimes(1);
    t.userSpoke();
    vi.advanceTimersByTime(10_000);
    expect(fire).toHaveBeenCalledTimes(1); // userSpoke alone does not start counting
    t.arm();
    vi.advanceTimersByTime(1999);
    expect(fire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(2);
  });

  it('userSpoke() stops a running count', () => {
    const fire = vi.fn();
    const t = new WakeUpTimer(2, fire);
    t.arm();
    vi.advanceTimersByTime(1500);
    t.userSpoke();
    vi.advanceTimersByTime(10_000);
    expect(fire).not.toHaveBeenCalled();
  });

  it('arm() twice does not create two timers and does not restart the count', () => {
    const fire = vi.fn();
    const t = new WakeUpTimer(3, fire);
    t.arm();
    vi.advanceTimersByTime(1000);
    t.arm();
    expect(vi.getTimerCount()).toBe(1);
    // Fires at 3 s from the first arm, not 3 s from the second.
    vi.advanceTimersByTime(2000);
    expect(fire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('dispose() stops everything for good', () => {
    const fire = vi.fn();
    const t = new WakeUpTimer(1, fire);
    t.arm();
    vi.advanceTimersByTime(500);
    t.dispose();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    t.arm();
    vi.advanceTimersByTime(10_000);
    t.userSpoke();
    t.arm();
    vi.advanceTimersByTime(10_000);
    expect(fire).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
