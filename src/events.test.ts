import { describe, expect, it, vi } from 'vitest';
import { EventHub } from './events';

interface Events {
  a: number;
  b: string;
}

describe('EventHub', () => {
  it('delivers payloads to listeners of that event only, in subscription order', () => {
    const hub = new EventHub<Events>();
    const log: string[] = [];
    hub.on('a', (n) => log.push(`a1:${n}`));
    hub.on('a', (n) => log.push(`a2:${n}`));
    hub.on('b', (s) => log.push(`b:${s}`));
    hub.emit('a', 1);
    hub.emit('b', 'x');
    hub.emit('a', 2);
    expect(log).toEqual(['a1:1', 'a2:1', 'b:x', 'a1:2', 'a2:2']);
  });

  it('on returns a function that unsubscribes that listener only', () => {
    const hub = new EventHub<Events>();
    const first = vi.fn();
    const second = vi.fn();
    const off = hub.on('a', first);
    hub.on('a', second);
    hub.emit('a', 1);
    off();
    hub.emit('a', 2);
    off(); // idempotent: must not remove another listener
    hub.emit('a', 3);
    expect(first.mock.calls).toEqual([[1]]);
    expect(second.mock.calls).toEqual([[1], [2], [3]]);
  });

  it('once fires exactly once, and its returned function cancels it before it fires', () => {
    const hub = new EventHub<Events>();
    const once = vi.fn();
    hub.once('a', once);
    hub.emit('a', 1);
    hub.emit('a', 2);
    expect(once.mock.calls).toEqual([[1]]);

    const cancelled = vi.fn();
    const off = hub.once('a', cancelled);
    off();
    hub.emit('a', 3);
    expect(cancelled).not.toHaveBeenCalled();
  });

  it('once fires once even when the event is re-emitted from inside the listener', () => {
    const hub = new EventHub<Events>();
    const seen: number[] = [];
    hub.once('a', (n) => {
      seen.push(n);
      if (n < 3) hub.emit('a', n + 1);
    });
    hub.emit('a', 1);
    expect(seen).toEqual([1]);
  });

  it('off with the original handler unsubscribes it', () => {
    const hub = new EventHub<Events>();
    const handler = vi.fn();
    const other = vi.fn();
    hub.on('a', handler);
    hub.on('a', other);
    hub.emit('a', 1);
    hub.off('a', handler);
    hub.emit('a', 2);
    expect(handler.mock.calls).toEqual([[1]]);
    expect(other.mock.calls).toEqual([[1], [2]]);
    // Unknown handler, or one registered under another event: no effect, no throw.
    hub.off('a', vi.fn());
    hub.off('b', other as unknown as (s: string) => void);
    hub.emit('a', 3);
    expect(other.mock.calls).toEqual([[1], [2], [3]]);
  });

  it('off removes a handler from the event named, when the same handler listens to two events', () => {
    const hub = new EventHub<Events>();
    const seen: unknown[] = [];
    const handler = (p: unknown) => seen.push(p);
    hub.on('a', handler);
    hub.on('b', handler);
    hub.off('a', handler);
    hub.emit('a', 1);
    hub.emit('b', 'x');
    expect(seen).toEqual(['x']);
    hub.off('b', handler);
    hub.emit('b', 'y');
    expect(seen).toEqual(['x']);
  });

  it('off removes one registration at a time when a handler was added twice', () => {
    const hub = new EventHub<Events>();
    const handler = vi.fn();
    hub.on('a', handler);
    hub.on('a', handler);
    hub.emit('a', 1);
    expect(handler).toHaveBeenCalledTimes(2);
    hub.off('a', handler);
    hub.emit('a', 2);
    expect(handler).toHaveBeenCalledTimes(3);
    hub.off('a', handler);
    hub.emit('a', 3);
    expect(handler).toHaveBeenCalledTimes(3);
  });

  it('off after the returned unsubscribe does not remove a later registration', () => {
    const hub = new EventHub<Events>();
    const handler = vi.fn();
    const unsubscribe = hub.on('a', handler);
    unsubscribe();
    hub.on('a', handler);
    hub.emit('a', 1);
    expect(handler.mock.calls).toEqual([[1]]);
    hub.off('a', handler);
    hub.emit('a', 2);
    expect(handler.mock.calls).toEqual([[1]]);
  });

  it('a throwing listener does not stop the others, nor the emitter, and is reported', () => {
    const errors: unknown[] = [];
    const hub = new EventHub<Events>((err) => errors.push(err));
    const boom = new Error('listener bug');
    const before = vi.fn();
    const after = vi.fn();
    hub.on('a', before);
    hub.on('a', () => {
      throw boom;
    });
    hub.on('a', after);
    expect(() => hub.emit('a', 7)).not.toThrow();
    expect(before).toHaveBeenCalledWith(7);
    expect(after).toHaveBeenCalledWith(7);
    expect(errors).toEqual([boom]);
    hub.emit('a', 8);
    expect(errors).toEqual([boom, boom]);
    expect(after).toHaveBeenCalledTimes(2);
  });

  it('reports to console.error by default', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const hub = new EventHub<Events>();
      const boom = new Error('x');
      hub.on('b', () => {
        throw boom;
      });
      hub.emit('b', 's');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]).toContain(boom);
    } finally {
      spy.mockRestore();
    }
  });

  it('a throwing once listener is still removed', () => {
    const errors: unknown[] = [];
    const hub = new EventHub<Events>((err) => errors.push(err));
    let calls = 0;
    hub.once('a', () => {
      calls++;
      throw new Error('once');
    });
    hub.emit('a', 1);
    hub.emit('a', 2);
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('clear() drops every listener of every event', () => {
    const hub = new EventHub<Events>();
    const a = vi.fn();
    const b = vi.fn();
    hub.on('a', a);
    hub.once('b', b);
    hub.clear();
    hub.emit('a', 1);
    hub.emit('b', 'x');
    expect(a).not.toHaveBeenCalled();
    expect(b).not.toHaveBeenCalled();
    // The hub stays usable after clear().
    hub.on('a', a);
    hub.emit('a', 2);
    expect(a.mock.calls).toEqual([[2]]);
  });
});
