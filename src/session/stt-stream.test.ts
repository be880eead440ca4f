// StreamTranscriber against the local provider server's Deepgram `/v1/listen`, over a real
// socket: the server hears words in the audio (tone bursts whose pitch names a script word),
// so what the transcript holds is a function of the audio the transcriber delivered.
import { describe, expect, it, vi } from 'vitest';
import type { ListenEntry } from '../../local-ai/server.mjs';
import { DeepgramSTT } from '../providers/stt/deepgram';
import { connections, NodeWebSocket, SENTENCE, silence, words } from '../providers/stt/deepgram-test-kit';
import { useProviderServer } from '../providers/test-server';
import { StreamTranscriber, type TranscriberDeps } from './stt-stream';

const server = useProviderServer();
const script = (...listen: ListenEntry[]) => server.handler.script({ listen });
const pitch = (extra: ListenEntry = {}): ListenEntry => ({ text: SENTENCE, wordCode: 'pitch', ...extra });
const log = () => connections(() => server.handler.log());

function make(o: Partial<TranscriberDeps> & { endpointingMs?: number | false } = {}) {
  const seen = { interims: [] as string[], ends: [] as string[], errors: [] as unknown[] };
  const { endpointingMs = false, ...deps } = o;
  const t = new StreamTranscriber({
    stt: new DeepgramSTT({ baseURL: server.url, apiKey: 'k', WebSocket: NodeWebSocket, endpointingMs, utteranceEndMs: false }),
    preRollSec: 0.32,
    settleTimeoutMs: 5000,
    onInterim: (text) => seen.interims.push(text),
    onEndOfTurn: (text) => seen.ends.push(text),
    onError: (e) => seen.errors.push(e),
    ...deps,
  });
  return { t, seen };
}

/** Pushes `audio` as 32 ms frames stamped from `startAt` (s); returns the audio time after it. */
function push(t: StreamTranscriber, audio: Float32Array, startAt: number): number {
  let at = startAt;
  for (let i = 0; i < audio.length; i += 512, at += 0.032) t.push(at, audio.slice(i, i + 512));
  return at;
}

describe('StreamTranscriber', () => {
  it('sends the pre-roll from before the onset, so a stream opened late still hears the first word; settle() finalizes', async () => {
    script(pitch());
    const { t, seen } = make();
    // Word 0 starts at 100 ms; the VAD confirms the onset a few frames later and reports it at 96 ms.
    const end = push(t, words([0]), 0);
    t.speechStarted(0.096);
    push(t, words([1, 2, 3, 4], 600, 0), end);
    await vi.waitFor(() => expect(seen.interims.at(-1)).toContain('two'));
    expect(await t.settle()).toBe('Book a table for two.');
    const [c] = log();
    expect(c!.body.received.Finalize).toBe(1);
    expect(seen.errors).toEqual([]);
    t.close();
  });

  it('without the pre-roll the first word is lost (control)', async () => {
    script(pitch());
    const { t, seen } = make({ preRollSec: 0 });
    const end = push(t, words([0]), 0);
    t.speechStarted(end); // opened after word 0
    push(t, words([1, 2, 3, 4], 600, 0), end);
    await vi.waitFor(() => expect(seen.interims.at(-1)).toContain('two'));
    expect(await t.settle()).toBe('a table for two.');
    t.close();
  });

  it("the provider's own end of turn is reported, and its text waits for the next settle()", async () => {
    script(pitch());
    const { t, seen } = make({ endpointingMs: 300 });
    t.speechStarted(0);
    push(t, words([0, 1, 2, 3, 4], 800), 0);
    await vi.waitFor(() => expect(seen.ends).toEqual(['Book a table for two.']));
    expect(await t.settle()).toBe('Book a table for two.');
    // Settled: the next settle starts empty, with no Finalize needed.
    expect(await t.settle()).toBe('');
    expect(log()[0]!.body.received.Finalize ?? 0).toBe(0);
    t.close();
  });

  it('settle(since) leaves out words that ended before `since` (the echo before the user’s onset)', async () => {
    script(pitch());
    const { t, seen } = make();
    t.speechStarted(0);
    // Words at 0.1–0.35, 0.43–0.68, 0.76–1.01, 1.09–1.34, 1.42–1.67 s.
    push(t, words([0, 1, 2, 3, 4], 600), 0);
    await vi.waitFor(() => expect(seen.interims.at(-1)).toContain('two'));
    expect(await t.settle(1.05)).toBe('for two.');
    t.close();
  });

  it('a stream that breaks keeps what was heard, reports a typed error, and the next onset opens a new stream', async () => {
    // Closed mid-utterance, and the reconnect refused: the socket gives up.
    script(pitch({ fault: { kind: 'close', afterWords: 2 } }), pitch({ fault: { kind: 'auth' } }), pitch());
    const { t, seen } = make();
    t.speechStarted(0);
    let at = push(t, words([0, 1, 2], 0), 0);
    await vi.waitFor(() => expect(seen.errors).toHaveLength(1));
    expect(seen.errors[0]).toMatchObject({ name: 'ProviderError' });
    expect(await t.settle()).toMatch(/^Book a/);
    at = push(t, silence(300), at);
    t.speechStarted(at);
    push(t, words([3, 4], 600), at);
    await vi.waitFor(() => expect(seen.interims.at(-1)).toContain('two'));
    expect(await t.settle()).toBe('for two.');
    expect(log()).toHaveLength(3);
    t.close();
  });

  it('the stream closes after the user has been quiet, and reopens at the next onset', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      script(pitch(), pitch());
      const { t, seen } = make();
      t.speechStarted(0);
      push(t, words([0, 1], 300), 0);
      await vi.waitFor(() => expect(seen.interims.at(-1)).toContain('a'));
      expect(await t.settle()).toBe('Book a');
      t.speechEnded();
      vi.advanceTimersByTime(2500);
      await vi.waitFor(() => expect(log()[0]!.body.received.CloseStream).toBe(1));
      t.speechStarted(1);
      push(t, words([2], 300, 0), 1);
      await vi.waitFor(() => expect(log()).toHaveLength(2));
      t.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a stream whose provider stays inside a turn is still closed once the user has been quiet long enough', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      script(pitch());
      const { t, seen } = make(); // no endpointing: only Finalize or the end of the audio ends a turn
      t.speechStarted(0);
      let at = push(t, words([0, 1], 300), 0);
      await vi.waitFor(() => expect(seen.interims.at(-1)).toContain('a'));
      t.speechEnded();
      // Silence keeps flowing, as the VAD taps it, while the clock runs.
      const quiet = async (ms: number) => {
        for (let k = 0; k < ms / 32; k++) {
          at = push(t, silence(32), at);
          await vi.advanceTimersByTimeAsync(32);
        }
      };
      await quiet(2500);
      expect(log()[0]!.body.received.CloseStream ?? 0).toBe(0); // the provider is mid-turn: kept open
      await quiet(4000); // 6 s in all, before the provider's own 10 s stall limit
      await vi.waitFor(() => expect(log()[0]!.body.received.CloseStream).toBe(1));
      expect(log()).toHaveLength(1);
      // The end of the audio ended the provider's turn: its words are kept for the next settle.
      await vi.waitFor(() => expect(t.text()).toBe('Book a'));
      t.close();
    } finally {
      vi.useRealTimers();
    }
  });

});
