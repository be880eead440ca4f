import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatContext } from '../agent/chat-context';
import type { STT } from '../providers/types';
import { TurnClock } from '../telemetry/turn-metrics';
import { DEFAULT_BACKCHANNELS } from '../turn/backchannel';
import type { TurnDetector } from '../turn/turn-detector';
import type { Turn } from '../turn/turn';
import { DEFAULT_INTERRUPT_CONFIG } from '../turn/barge-in';
import { DEFAULT_EOU_CONFIG, DEFAULT_TIMEOUTS, type EOUConfig } from './pipeline';
import { UserTurns, type UserUtterance } from './user-turn';

// UserTurns with a fake turn (it records whether an answer was generated) and a scripted
// batch STT: the end-of-turn wait of a turn detector, joining what was cut, backchannels.
function setup(o: { texts?: string[]; eou?: Partial<EOUConfig> } = {}) {
  const texts = [...(o.texts ?? [])];
  const stt: STT = {
    label: 'fake:stt',
    async *transcribe() {
      yield { type: 'final', text: texts.shift() ?? '' };
    },
  };
  const chat = new ChatContext();
  const errors: unknown[] = [];
  const eou: EOUConfig = { ...DEFAULT_EOU_CONFIG, minMaxSpeechWaitTimeout: [0.1, 0.8], ...o.eou };
  const turns = new UserTurns({
    pipeline: { batchStt: stt, eou, interrupt: { ...DEFAULT_INTERRUPT_CONFIG, backchannels: DEFAULT_BACKCHANNELS }, timeouts: { ...DEFAULT_TIMEOUTS, sttMs: 0 } },
    chat: () => chat,
    hub: { emit: () => undefined },
    report: (e) => errors.push(e),
    thinking: () => undefined,
  });
  const answered: string[] = [];
  const outcome = { speech: { heardText: 'ok' }, interrupted: false };
  const turn = {
    say: async () => outcome,
    generate: async () => {
      const last = chat.items.at(-1);
      answered.push(last?.type === 'message' ? last.content : '');
      return outcome;
    },
  } as unknown as Turn;
  const run = (signal = new AbortController().signal, utterance: Partial<UserUtterance> = {}, clock = new TurnClock()) =>
    turns.run(turn, signal, { audio: new Float32Array(1600), overAgent: false, ...utterance }, clock);
  return { run, chat, answered, errors };
}

const detector = (p: number | Error, seen: string[] = []): TurnDetector => ({
  label: 'fake',
  predict: async ({ transcript }) => {
    seen.push(transcript);
    if (p instanceof Error) throw p;
    return p;
  },
});

describe('UserTurns: the end-of-turn wait of a turn detector', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a likely-complete turn waits min (DEFAULT: p ≥ threshold), then is answered', async () => {
    const seen: string[] = [];
    const s = setup({ texts: ['What time is it?'], eou: { turnDetector: detector(0.9, seen) } });
    const done = s.run();
    await vi.advanceTimersByTimeAsync(90);
    expect(s.answered).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    await done;
    expect(seen).toEqual(['What time is it?']);
    expect(s.answered).toEqual(['What time is it?']);
  });

  it('an unlikely-complete turn waits max; ADAPTIVE waits in between', async () => {
    const s = setup({ texts: ['I want to book a table and'], eou: { turnDetector: detector(0.2) } });
    const done = s.run();
    await vi.advanceTimersByTimeAsync(790);
    expect(s.answered).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    await done;
    expect(s.answered).toHaveLength(1);

    const a = setup({ texts: ['so'], eou: { turnDetector: detector(0.5), mode: 'ADAPTIVE' } });
    const adaptive = a.run();
    await vi.advanceTimersByTimeAsync(440); // 0.1 + 0.7 × 0.5 = 0.45 s
    expect(a.answered).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    await adaptive;
    expect(a.answered).toEqual(['so']);
  });

  it('speech during the wait (the turn is cut) is not answered alone: its words lead the next turn', async () => {
    const s = setup({ texts: ['I want to book a table', 'for two people.'], eou: { turnDetector: detector(0.2) } });
    const cut = new AbortController();
    const first = s.run(cut.signal);
    await vi.advanceTimersByTimeAsync(300);
    cut.abort();
    await first;
    expect(s.answered).toEqual([]);
    expect(s.chat.items).toEqual([]);
    const second = s.run();
    await vi.advanceTimersByTimeAsync(900);
    await second;
    expect(s.answered).toEqual(['I want to book a table for two people.']);
  });

  it('a failing detector is reported and the wait is max', async () => {
    const s = setup({ texts: ['Hello.'], eou: { turnDetector: detector(new Error('model broke')) } });
    const done = s.run();
    await vi.advanceTimersByTimeAsync(790);
    expect(s.answered).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    await done;
    expect(s.answered).toEqual(['Hello.']);
    expect(s.errors).toHaveLength(1);
  });

  it('without a detector there is no wait here (the VAD side waits min)', async () => {
    const s = setup({ texts: ['Hello.'] });
    await s.run();
    expect(s.answered).toEqual(['Hello.']);
  });
});

describe('UserTurns: speech over the agent', () => {
  it('a backchannel said over the agent is not answered; more than that is', async () => {
    const s = setup({ texts: ['Mm-hm, okay.', 'Okay, but how long?'] });
    await s.run(undefined, { overAgent: true });
    expect(s.answered).toEqual([]);
    expect(s.chat.items).toEqual([]);
    await s.run(undefined, { overAgent: true });
    expect(s.answered).toEqual(['Okay, but how long?']);
  });

  it('a streaming transcript still settling when its turn is cut leads the next one', async () => {
    const s = setup();
    const cut = new AbortController();
    let settle!: (t: string) => void;
    const first = s.run(cut.signal, { text: new Promise((r) => (settle = r)) });
    cut.abort();
    await first;
    settle('Book a table');
    await s.run(undefined, { text: Promise.resolve('for two.') });
    expect(s.answered).toEqual(['Book a table for two.']);
  });
});

describe('UserTurns: an answer prepared ahead', () => {
  const prefetch = (text: string) => {
    const calls: string[] = [];
    return { calls, p: { text, llm: (l: never) => l, tts: (t: never) => t, adopt: () => calls.push('adopt'), discard: () => calls.push('discard') } };
  };

  it('is adopted when the committed text is the same (case and punctuation aside), and the metrics say so', async () => {
    const s = setup();
    const { calls, p } = prefetch('hello there');
    const clock = new TurnClock();
    await s.run(undefined, { text: Promise.resolve('Hello there.'), prefetch: p as never }, clock);
    expect(calls[0]).toBe('adopt');
    expect(clock.preemptive).toBe(true);
    expect(s.answered).toEqual(['Hello there.']);
  });

  it('is dropped when the words differ, when there is no answer, and when the turn is cut', async () => {
    const s = setup();
    // (discard is idempotent: the turn's end repeats it.)
    const a = prefetch('Hello');
    await s.run(undefined, { text: Promise.resolve('Hello there.'), prefetch: a.p as never });
    expect(s.answered).toEqual(['Hello there.']);
    const b = prefetch('Mm-hm');
    await s.run(undefined, { text: Promise.resolve('Mm-hm.'), overAgent: true, prefetch: b.p as never });
    const c = prefetch('Book a table');
    const cut = new AbortController();
    cut.abort();
    await s.run(cut.signal, { text: Promise.resolve('Book a table'), prefetch: c.p as never });
    for (const x of [a, b, c]) expect(new Set(x.calls)).toEqual(new Set(['discard']));
  });
});
