import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GestureUnlock } from './gesture-unlock';

/**
 * A context whose state the test drives, as iOS does: resume() succeeds only during a
 * gesture (`gesture` flag) and never while interrupted.
 */
class FakeContext extends EventTarget {
  state: string = 'suspended';
  resumes = 0;
  gesture = false;
  resume(): Promise<void> {
    this.resumes++;
    if (this.state === 'interrupted') return Promise.reject(new DOMException('interrupted', 'InvalidStateError'));
    if (this.gesture) this.set('running');
    return Promise.resolve();
  }
  set(state: string): void {
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}

class FakeElement {
  paused = true;
  srcObject: unknown = {};
  plays = 0;
  play(): Promise<void> {
    this.plays++;
    this.paused = false;
    return Promise.resolve();
  }
}

let doc: EventTarget & { listeners: number };

beforeEach(() => {
  const target = new EventTarget() as EventTarget & { listeners: number };
  target.listeners = 0;
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  target.addEventListener = (...a: Parameters<EventTarget['addEventListener']>) => (target.listeners++, add(...a));
  target.removeEventListener = (...a: Parameters<EventTarget['removeEventListener']>) => (target.listeners--, remove(...a));
  doc = target;
  (globalThis as { document?: unknown }).document = doc;
});
afterEach(() => {
  delete (globalThis as { document?: unknown }).document;
});

function setup() {
  const ctx = new FakeContext();
  const el = new FakeElement();
  const unlock = new GestureUnlock(ctx as unknown as AudioContext, el as unknown as HTMLAudioElement);
  const tap = () => {
    ctx.gesture = true;
    doc.dispatchEvent(new Event('pointerdown'));
    ctx.gesture = false;
  };
  return { ctx, el, unlock, tap };
}

describe('GestureUnlock', () => {
  it('kick() inside a gesture resumes the context and plays the element; nothing is left armed', () => {
    const { ctx, el, unlock } = setup();
    ctx.gesture = true;
    unlock.kick();
    unlock.armIfNeeded();
    expect(ctx.state).toBe('running');
    expect(el.plays).toBe(1);
    expect(unlock.waitingForGesture).toBe(false);
    expect(doc.listeners).toBe(0);
  });

  it('without a gesture, waits for the next one, then removes its listeners', () => {
    const { ctx, unlock, tap } = setup();
    unlock.kick(); // refused: no gesture
    unlock.armIfNeeded();
    expect(ctx.state).toBe('suspended');
    expect(unlock.waitingForGesture).toBe(true);
    expect(doc.listeners).toBeGreaterThan(0);
    tap();
    expect(ctx.state).toBe('running');
    expect(unlock.waitingForGesture).toBe(false);
    expect(doc.listeners).toBe(0);
  });

  it('does not call resume() while interrupted; resumes on the first gesture after the interruption', () => {
    const { ctx, unlock, tap } = setup();
    ctx.gesture = true;
    unlock.kick();
    ctx.gesture = false;
    const before = ctx.resumes;
    ctx.set('interrupted'); // a phone call
    expect(unlock.waitingForGesture).toBe(true);
    tap(); // during the call: refused anyway, so not attempted
    expect(ctx.resumes).toBe(before);
    ctx.set('suspended'); // the call ended, iOS did not resume by itself
    expect(ctx.resumes).toBe(before + 1); // tried at once (refused: no gesture)
    expect(ctx.state).toBe('suspended');
    tap();
    expect(ctx.state).toBe('running');
    expect(unlock.waitingForGesture).toBe(false);
    expect(doc.listeners).toBe(0);
  });

  it('an interruption that ends in running needs no gesture', () => {
    const { ctx, unlock } = setup();
    ctx.gesture = true;
    unlock.kick();
    ctx.set('interrupted');
    ctx.set('running');
    expect(unlock.waitingForGesture).toBe(false);
    expect(doc.listeners).toBe(0);
  });

  it('dispose() removes the listeners and ignores later state changes', () => {
    const { ctx, unlock } = setup();
    unlock.armIfNeeded();
    unlock.dispose();
    expect(doc.listeners).toBe(0);
    const before = ctx.resumes;
    ctx.set('suspended');
    unlock.kick();
    expect(ctx.resumes).toBe(before);
  });
});
