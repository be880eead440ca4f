// The session's Conversation seam, in Node: a model whose startRealtime() returns a recording
// Conversation shows what the session routes to it (and when), whichever state it is in; the
// cascade is the other side, picked for a chat model.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Agent } from '../agent/agent';
import type { UtteranceHandle } from '../agent/utterance-handle';
import type { LLMChunk } from '../providers/types';
import type { Conversation } from './conversation';
import type { RealtimeConductor, RealtimeHost, RealtimeModel } from './realtime-hook';
import { kit } from './session-test-kit';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A Conversation that records each call; `say`/`reply`/`sendText` keep their handle as `current` until `finish()`. */
class Recorder implements RealtimeConductor {
  readonly calls: string[] = [];
  current: UtteranceHandle | null = null;
  drainedBy: Promise<void> = Promise.resolve();
  constructor(readonly host: RealtimeHost) {}
  say(handle: UtteranceHandle, text: string, options?: object, deferred?: boolean): void {
    this.calls.push(`say ${text} deferred=${deferred}`);
    this.current = handle;
  }
  reply(handle: UtteranceHandle, instructions: string, hold?: boolean): void {
    this.calls.push(`reply ${instructions} hold=${hold}`);
    this.current = handle;
  }
  sendText(handle: UtteranceHandle, text: string, early?: boolean): void {
    this.calls.push(`sendText ${text} early=${early}`);
    this.current = handle;
  }
  interrupt(reason: 'interrupt' | 'say' | 'close'): void {
    this.calls.push(`interrupt ${reason}`);
    this.current?.interrupt({ force: true });
    this.current = null;
  }
  listen(): void {
    this.calls.push('listen');
  }
  drained(): Promise<void> {
    this.calls.push('drained');
    return this.drainedBy;
  }
  agentChanged(agent: Agent): void {
    this.calls.push(`agentChanged ${agent.instructions} host.agent=${this.host.agent === agent}`);
  }
  async close(): Promise<void> {
    this.calls.push('close');
  }
  finish(): void {
    this.current?.markDone();
    this.current = null;
  }
}

/** A realtime model that hands the session a {@link Recorder}, once `connect()` lets it. */
function recordingModel() {
  const made: Recorder[] = [];
  let connect!: () => void;
  const connected = new Promise<void>((r) => (connect = r));
  const model: RealtimeModel = {
    label: 'recording',
    // eslint-disable-next-line require-yield
    async *chat(): AsyncIterable<LLMChunk> {
      throw new Error('not a chat model');
    },
    async startRealtime(host) {
      await connected;
      const r = new Recorder(host);
      made.push(r);
      return r;
    },
  };
  return { model, made, connect };
}

describe('AgentSession routes its API to the Conversation it picked', () => {
  it('a realtime model: say/reply/sendText/interrupt reach its conversation (the flags the cascade needs too); listen after onEnter', async () => {
    const { model, made, connect } = recordingModel();
    const k = kit({ llm: model });
    k.agent.onEnter = async () => void k.session.say('Hi.');
    const early = k.session.sendText('  before start  ');
    const started = k.session.start();
    await k.run(10);
    expect(made).toHaveLength(0);
    connect();
    await started;
    const r = made[0]!;
    // onEnter speaks as soon as audio works; what was asked before start follows once started.
    expect(r.calls).toEqual(['say Hi. deferred=false', 'listen', 'sendText before start early=true']);
    expect(k.session.currentUtterance).toBe(early);
    r.finish();
    expect(early.done).toBe(true);
    const reply = k.session.reply('Be nice.', { waitForPlayback: false });
    expect(k.session.reply('again')).toBe(reply); // one reply at a time
    expect(k.session.currentUtterance).toBe(reply);
    k.session.interrupt();
    expect(reply.interrupted).toBe(true);
    expect(r.calls.slice(3)).toEqual(['reply Be nice. hold=false', 'interrupt interrupt']);
    const firm = k.session.say('Listen.', { interruptible: false });
    k.session.interrupt(); // not interruptible: nothing reaches the conversation
    expect(r.calls.at(-1)).toBe('say Listen. deferred=false');
    k.session.interrupt({ force: true });
    expect(r.calls.at(-1)).toBe('interrupt interrupt');
    expect(firm.interrupted).toBe(true);
  });

  it('a handover tells the conversation, after the swap: the host reads the new agent', async () => {
    const { model, made, connect } = recordingModel();
    const k = kit({ llm: model });
    connect();
    await k.session.start();
    await k.session.updateAgent(new Agent({ instructions: 'Sell.' }));
    expect(made[0]!.calls).toContain('agentChanged Sell. host.agent=true');
    expect(made[0]!.host.agent.instructions).toBe('Sell.');
  });

  it('close() while it connects: the late conversation is closed, start() rejects with `closed`', async () => {
    const { model, made, connect } = recordingModel();
    const k = kit({ llm: model });
    const started = k.session.start().then(
      () => 'resolved',
      (e: { code?: string }) => e.code,
    );
    await k.run(10);
    const closed = k.session.close();
    connect();
    await k.run(10);
    await closed;
    expect(await started).toBe('closed');
    expect(made[0]!.calls).toEqual(['close']);
    expect(k.audio.state).toBe('closed');
  });

  it('close() mid-utterance: interrupt(close) first, onExit may speak and is waited for (drained), then close()', async () => {
    const { model, made, connect } = recordingModel();
    const k = kit({ llm: model });
    connect();
    await k.session.start();
    const r = made[0]!;
    const talking = k.session.say('A long story.');
    let release!: () => void;
    r.drainedBy = new Promise((res) => (release = res));
    k.agent.onExit = async () => void k.session.say('Bye.');
    const closed = k.session.close();
    await k.run(100);
    expect(talking.interrupted).toBe(true);
    expect(r.calls.slice(1)).toEqual(['say A long story. deferred=false', 'interrupt close', 'say Bye. deferred=false', 'drained']);
    release();
    await closed;
    expect(r.calls.slice(-2)).toEqual(['drained', 'close']);
    expect(k.session.currentUtterance).toBeNull();
    // After close the session routes nothing: the handle ends at once.
    expect(k.session.say('late').done).toBe(true);
    expect(r.calls.at(-1)).toBe('close');
  });

  it('a chat model gets the cascade: no realtime conversation, and its turns answer', async () => {
    const k = kit({ llm: [{ text: 'Fine.' }] });
    await k.session.start();
    const h = k.session.sendText('how are you');
    await k.until(() => h.done, 10_000, 'the answer');
    expect(k.history()).toEqual(['user: how are you', 'assistant: Fine.']);
    await k.session.close();
    expect(k.session.currentUtterance).toBeNull();
  });
});

// The Conversation interface is what the core carries of a realtime conductor.
const _conductorIsAConversation: (c: RealtimeConductor) => Conversation = (c) => c;
void _conductorIsAConversation;
