import { describe, expect, it } from 'vitest';
import { EarshotError } from '../errors';
import { EventHub } from '../events';
import type { AgentSessionEvents } from '../session/session-events';
import { EventTimeoutError, SESSION_EVENT_NAMES, expectStates, recordEvents, waitForEvent } from './events';

interface Ev extends Record<string, unknown> {
  ping: { n: number };
  pong: { audio: Float32Array; error: Error };
}

const change = (state: string, previous = 'idle') => ({ state, previous, at: 0, reason: 'test' }) as AgentSessionEvents['agent_state_changed'];

describe('recordEvents', () => {
  it('logs the named events in emission order, with times', () => {
    const hub = new EventHub<Ev>();
    const log = recordEvents(hub, ['ping', 'pong']);
    hub.emit('ping', { n: 1 });
    hub.emit('pong', { audio: new Float32Array(3), error: new Error('x') });
    hub.emit('ping', { n: 2 });
    expect(log.names()).toEqual(['ping', 'pong', 'ping']);
    expect(log.of('ping')).toEqual([{ n: 1 }, { n: 2 }]);
    expect(log.entries[0]!.t).toBeLessThanOrEqual(log.entries[2]!.t);
    log.stop();
    hub.emit('ping', { n: 3 });
    expect(log.entries).toHaveLength(3);
  });

  it('serialises to plain JSON: typed arrays as lengths, errors with their code', () => {
    const hub = new EventHub<Ev>();
    const log = recordEvents(hub, ['pong']);
    hub.emit('pong', { audio: new Float32Array(16000), error: new EarshotError('mic-busy', 'in use') });
    const json = JSON.parse(JSON.stringify(log.toJSON()));
    expect(json).toEqual([{ name: 'pong', t: expect.any(Number), payload: { audio: { length: 16000 }, error: { name: 'EarshotError', message: 'in use', code: 'mic-busy' } } }]);
  });

  it('defaults to every session event except the level meters', () => {
    expect(SESSION_EVENT_NAMES).toContain('agent_state_changed');
    expect(SESSION_EVENT_NAMES).toContain('session_closed');
    expect(SESSION_EVENT_NAMES).not.toContain('input_level_measured');
    const hub = new EventHub<AgentSessionEvents>();
    const log = recordEvents(hub);
    hub.emit('input_level_measured', { rms: 0, peak: 0, at: 0 });
    hub.emit('user_transcript', { text: 'hi', final: true });
    expect(log.names()).toEqual(['user_transcript']);
  });

  it('waitFor sees events already recorded and events still to come', async () => {
    const hub = new EventHub<Ev>();
    const log = recordEvents(hub, ['ping']);
    hub.emit('ping', { n: 1 });
    await expect(log.waitFor('ping', (p) => p.n === 1, 10)).resolves.toEqual({ n: 1 });
    setTimeout(() => hub.emit('ping', { n: 2 }), 5);
    await expect(log.waitFor('ping', (p) => p.n === 2, 1000)).resolves.toEqual({ n: 2 });
    const err = await log.waitFor('ping', (p) => p.n === 9, 20).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventTimeoutError);
    expect(err).toBeInstanceOf(EarshotError);
    expect(err).toMatchObject({ code: 'event-timeout', event: 'ping', timeoutMs: 20 });
    expect((err as Error).message).toContain('recorded so far: ping, ping');
  });
});

describe('waitForEvent', () => {
  it('resolves with the first later payload that matches', async () => {
    const hub = new EventHub<Ev>();
    const p = waitForEvent(hub, 'ping', (e) => e.n > 1, 1000);
    hub.emit('ping', { n: 1 });
    hub.emit('ping', { n: 5 });
    await expect(p).resolves.toEqual({ n: 5 });
  });

  it('rejects with a typed timeout and unsubscribes', async () => {
    const hub = new EventHub<Ev>();
    let calls = 0;
    const err = await waitForEvent(hub, 'ping', () => (calls++, false), 20).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventTimeoutError);
    expect((err as Error).message).toBe("No matching 'ping' event within 20 ms");
    hub.emit('ping', { n: 1 });
    expect(calls).toBe(0); // the listener is gone after the timeout
  });

  it('rejects with the abort reason', async () => {
    const hub = new EventHub<Ev>();
    const ac = new AbortController();
    const p = waitForEvent(hub, 'ping', undefined, 5000, ac.signal);
    ac.abort(new Error('test over'));
    await expect(p).rejects.toThrow('test over');
  });
});

describe('expectStates', () => {
  const hub = new EventHub<AgentSessionEvents>();
  const log = recordEvents(hub);
  for (const s of ['starting', 'idle', 'listening', 'thinking', 'speaking', 'idle']) hub.emit('agent_state_changed', change(s));
  hub.emit('user_state_changed', { state: 'speaking', previous: 'idle', at: 0, reason: 'vad' });

  it('passes on the exact sequence and returns it', () => {
    expect(expectStates(log, ['starting', 'idle', 'listening', 'thinking', 'speaking', 'idle'])).toHaveLength(6);
    expect(expectStates(log, ['speaking'], { of: 'user' })).toEqual(['speaking']);
  });

  it('fails on a different sequence, naming both', () => {
    expect(() => expectStates(log, ['starting', 'idle'])).toThrow('expected agent states [starting, idle], got [starting, idle, listening, thinking, speaking, idle]');
    expect(() => expectStates(log, ['idle'], { of: 'user' })).toThrow(/user states/);
  });

  it('with exact: false, checks order and allows gaps', () => {
    expect(() => expectStates(log, ['thinking', 'speaking', 'idle'], { exact: false })).not.toThrow();
    expect(() => expectStates(log, ['speaking', 'thinking'], { exact: false })).toThrow();
  });
});
