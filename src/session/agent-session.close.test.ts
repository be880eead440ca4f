// close() in every state, in Node: it settles in bounded (fake) time, stops the turn's work,
// and leaves nothing running (no timer, audio closed, VAD closed).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { functionTool } from '../tools/function-tool';
import { kit, type Kit } from './session-test-kit';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Closes and checks that everything was released within `maxMs` of fake time. */
async function closeWithin(k: Kit, maxMs: number): Promise<void> {
  let closed = false;
  void k.session.close().then(() => (closed = true));
  await k.until(() => closed, maxMs, 'close()');
  expect(k.session.agentState).toBe('closing');
  expect(k.events.session_closed).toEqual([{ reason: 'closed' }]);
  expect(k.audio.state).toBe('closed');
  expect(k.vad.closed).toBe(true);
  expect(vi.getTimerCount()).toBe(0);
  expect(k.events.error).toBeUndefined();
}

describe('close() in every state', () => {
  it('starting: start() rejects with `closed`, and nothing stays open', async () => {
    const k = kit();
    let onEnterGate!: () => void;
    k.agent.onEnter = () => new Promise<void>((r) => (onEnterGate = r));
    const started = k.session.start().then(
      () => 'resolved',
      (e: { code?: string }) => e.code,
    );
    await k.until(() => onEnterGate !== undefined, 1000, 'onEnter');
    expect(k.session.agentState).toBe('starting');
    await closeWithin(k, 6000);
    expect(await started).toBe('closed');
  });

  it('idle', async () => {
    const k = kit();
    await k.session.start();
    await k.run(200);
    expect(k.session.agentState).toBe('idle');
    await closeWithin(k, 1000);
  });

  it('listening (the user is speaking): no turn follows', async () => {
    const k = kit();
    await k.session.start();
    void k.vad.speak(2);
    await k.until(() => k.session.userState === 'speaking');
    expect(k.session.agentState).toBe('listening');
    await closeWithin(k, 1000);
    expect(k.llm.requests).toHaveLength(0);
  });

  it('thinking (the LLM has not answered): the request is aborted, no answer is stored', async () => {
    const k = kit({ llm: [{ text: 'Late.', delayMs: 60_000 }] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.llm.requests.length === 1);
    expect(k.session.agentState).toBe('thinking');
    await closeWithin(k, 1000);
    expect(k.history()).toEqual(['user: hi']);
  });

  it('speaking: the audio stops, the history keeps what was heard', async () => {
    const k = kit({ llm: [{ text: 'A long answer that would take several seconds to say out loud.' }] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => k.session.agentState === 'speaking');
    await k.run(600);
    await closeWithin(k, 1000);
    expect(k.history()[1]).toMatch(/^assistant: A long .*\[interrupted\]$/);
    expect(k.events.turn_interrupted?.map((e) => e.reason)).toEqual(['close']);
  });

  it('in a tool: its signal aborts and the call gets an output', async () => {
    let aborted = false;
    const stuck = functionTool({
      name: 'stuck',
      description: 'never returns on its own',
      parameters: { type: 'object', properties: {} },
      execute: (_a, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => ((aborted = true), resolve('stopped')))),
    });
    const k = kit({ agent: { tools: [stuck] }, llm: [{ toolCalls: [{ name: 'stuck' }] }] });
    await k.session.start();
    void k.vad.speak(0.8);
    await k.until(() => (k.events.tool_call_started?.length ?? 0) === 1);
    await closeWithin(k, 1000);
    expect(aborted).toBe(true);
    expect(k.history()).toEqual(['user: hi', 'call stuck', expect.stringMatching(/^output stuck: /)]);
  });

  it('with onExit saying goodbye: it is played first, and the state stays `closing`', async () => {
    const k = kit();
    k.agent.onExit = async () => void (await k.session.say('Goodbye!'));
    await k.session.start();
    await k.run(100);
    await closeWithin(k, 3000);
    expect(k.history()).toEqual(['assistant: Goodbye!']);
    expect(k.log.filter((l) => l.startsWith('agent:'))).toEqual(['agent:starting', 'agent:idle', 'agent:closing']);
  });

  it('with onExit that never ends: close() still finishes after exitTimeoutMs', async () => {
    const k = kit({ session: { exitTimeoutMs: 2000 } });
    k.agent.onExit = () => new Promise(() => undefined);
    await k.session.start();
    let closed = false;
    void k.session.close().then(() => (closed = true));
    await k.run(1900);
    expect(closed).toBe(false);
    await k.until(() => closed, 500, 'close() after the exit timeout');
    expect(k.audio.state).toBe('closed');
  });

  it('twice, and from leave() and hangup(): idempotent, one session_closed', async () => {
    const k = kit();
    await k.session.start();
    const a = k.session.close();
    const b = k.session.leave();
    const c = k.session.hangup();
    await k.run(100);
    await Promise.all([a, b, c]);
    expect(k.events.session_closed).toHaveLength(1);
    expect(k.audio.state).toBe('closed');
  });
});

describe('the session around its audio', () => {
  it('a microphone that ends is reopened on the default device', async () => {
    const k = kit();
    await k.session.start();
    k.audio.endMicrophone();
    await k.run(50);
    expect(k.log.filter((l) => l.startsWith('microphone'))).toEqual(['microphone_ended', 'microphone_recovered']);
    expect(k.audio.microphone.opens).toBe(1);
    await k.session.close();
  });

  it('the wake-up timer fires after `wakeUp` seconds of silence on both sides, and not while the user speaks', async () => {
    const fired: number[] = [];
    const k = kit({ session: { wakeUp: 2, onWakeUp: () => void fired.push(Date.now()) } });
    await k.session.start();
    await k.run(1500);
    void k.vad.speak(1.5, { probability: 0.9 });
    await k.until(() => k.session.agentState === 'speaking');
    expect(fired).toHaveLength(0);
    await k.until(() => fired.length === 1, 6000, 'the wake-up');
    expect(k.events.wake_up_fired).toEqual([{ afterSec: 2 }]);
    await k.session.close();
  });
});
