// DeepgramFluxSTT against the local provider server's `/v2/listen`, over a real socket. The
// server's end-of-turn confidence is the silence since the last word (1 s = 1.0).
import { describe, expect, it, vi } from 'vitest';
import type { ListenEntry } from '../../../local-ai/server.mjs';
import { ProviderError } from '../errors';
import { useProviderServer } from '../test-server';
import { DeepgramFluxSTT, type DeepgramFluxSTTOptions } from './deepgram-flux';
import { collect, connections, feed, forever, NodeWebSocket, SENTENCE, silence, words } from './deepgram-test-kit';

const server = useProviderServer();
const script = (...listen: ListenEntry[]) => server.handler.script({ listen });
const pitch = (extra: ListenEntry = {}): ListenEntry => ({ text: SENTENCE, wordCode: 'pitch', ...extra });
const flux = (o: DeepgramFluxSTTOptions = {}) => new DeepgramFluxSTT({ baseURL: server.url, apiKey: 'dg-flux-key-0123456789', WebSocket: NodeWebSocket, ...o });
const open = () => new AbortController().signal;
const log = () => connections(() => server.handler.log());

describe('DeepgramFluxSTT', () => {
  it('maps StartOfTurn, Update, EagerEndOfTurn, TurnResumed and EndOfTurn onto the turn events', async () => {
    script(pitch());
    // "Book a table", 550 ms of silence (eager at 0.4, not the end at 0.7), "for two.", 1 s of silence.
    const audio = feed([words([0, 1, 2], 550), words([3, 4], 1000, 0)]);
    const r = await collect(flux({ eotThreshold: 0.7, eagerEotThreshold: 0.4, eotTimeoutMs: 3000 }).stream({ audio, signal: open() }));
    expect(r.error).toBeUndefined();
    const order = r.events.map((e) => e.type).filter((t, i, a) => t !== a[i - 1]);
    // The second silence is eager first too, then long enough to end the turn.
    expect(order).toEqual(['start_of_turn', 'interim', 'eager_end_of_turn', 'turn_resumed', 'interim', 'eager_end_of_turn', 'end_of_turn']);
    expect(r.of('eager_end_of_turn')).toMatchObject([{ turn: 0, text: 'Book a table' }, { turn: 0, text: 'Book a table for two.' }]);
    expect(r.of('interim').map((e) => e.text)).toEqual(['Book', 'Book a', 'Book a table', 'Book a table for', 'Book a table for two.']);
    expect(r.of('end_of_turn')).toMatchObject([{ turn: 0, text: 'Book a table for two.', reason: 'endpoint' }]);
    expect(r.of('end_of_turn')[0]!.words.map((w) => w.text)).toEqual(['book', 'a', 'table', 'for', 'two']);
    expect(r.of('final')).toEqual([]);
    expect(log()[0]!.body.query).toMatchObject({
      model: 'flux-general-en', encoding: 'linear16', sample_rate: '16000', eot_threshold: '0.7', eager_eot_threshold: '0.4', eot_timeout_ms: '3000',
    });
  });

  it('numbers turns; the audio ending mid-turn ends it with stream_end (CloseStream does not)', async () => {
    script(pitch());
    const r = await collect(flux().stream({ audio: feed([words([0, 1, 2], 900), words([3, 4], 0, 0)]), signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.of('start_of_turn').map((e) => e.turn)).toEqual([0, 1]);
    expect(r.of('end_of_turn').map((e) => [e.turn, e.text, e.reason])).toEqual([
      [0, 'Book a table', 'endpoint'],
      [1, 'for two.', 'stream_end'],
    ]);
    expect(r.of('eager_end_of_turn')).toEqual([]); // not asked for
    // Flux closes after CloseStream without a status code.
    await vi.waitFor(() => expect(log()[0]!.body).toMatchObject({ closeCode: 1005, closedBy: 'server' }));
    expect(log()[0]!.body.received).toMatchObject({ CloseStream: 1, KeepAlive: 0, Finalize: 0 });
  });

  it('after a 1011 mid-turn, reconnects and resends the turn: same turn number, whole transcript', async () => {
    script(pitch({ text: SENTENCE, fault: { kind: 'close', afterWords: 3 } }), pitch());
    // A first turn ends before the fault, so the second socket's turn_index 0 is our turn 1.
    const r = await collect(flux().stream({ audio: feed([words([0], 900), words([1, 2, 3, 4], 1000, 0)]), signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.of('end_of_turn').map((e) => [e.turn, e.text])).toEqual([
      [0, 'Book'],
      [1, 'a table for two.'],
    ]);
    expect(r.of('start_of_turn').map((e) => e.turn)).toEqual([0, 1]); // turn 1 is not started twice
    const [first, second] = log();
    expect(first!.body.closeCode).toBe(1011);
    expect(second!.body.audioBytes).toBeGreaterThan(0);
    expect(second!.body.audioBytes).toBeLessThan(first!.body.audioBytes);
  });

  it('a bad key: provider-auth', async () => {
    script({ fault: { kind: 'auth' } });
    const r = await collect(flux().stream({ audio: feed([words([0], 500)]), signal: open() }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-auth', status: 401 });
  });

  it('a malformed frame: provider-protocol', async () => {
    script(pitch({ fault: { kind: 'malformed', afterWords: 0, frame: '{"type":"TurnInfo","event":"Update"}' } }));
    const r = await collect(flux().stream({ audio: feed([words([0, 1], 500), forever]), signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-protocol' });
    expect(String((r.error as Error).message)).toContain('turn_index');
  });

  it('an abort ends quietly and the server sees the client close', async () => {
    script(pitch());
    const ac = new AbortController();
    const r = await collect(flux().stream({ audio: feed([words([0, 1], 0), forever]), signal: ac.signal }), (e) => {
      if (e.type === 'start_of_turn') ac.abort();
    });
    expect(r.error).toBeUndefined();
    expect(r.events.map((e) => e.type)).toEqual(['start_of_turn']);
    await vi.waitFor(() => expect(log()[0]!.body).toMatchObject({ closedBy: 'client', closeCode: 1000 }));
  });

  it('silence between turns is no stall: Flux says nothing then, and the stall limit waits for a turn', async () => {
    script(pitch());
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // After the turn ends, 20 frames of silence over ~400 ms of wall time, with a 150 ms stall limit.
    const quiet = Array.from({ length: 20 }, (_, i) => (i % 2 ? silence(32) : () => pause(40)));
    const r = await collect(flux({ stallTimeoutMs: 150 }).stream({ audio: feed([words([0], 1000), ...quiet]), signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.of('end_of_turn').map((e) => e.text)).toEqual(['Book']);
  });

  it('finalize() is a no-op: Flux has no Finalize message', async () => {
    script(pitch());
    const s = flux().stream({ audio: feed([words([0], 0), silence(1000)]), signal: open() });
    s.finalize();
    const r = await collect(s);
    expect(r.error).toBeUndefined();
    expect(r.of('end_of_turn').map((e) => e.text)).toEqual(['Book']);
    expect(log()[0]!.body.received.Finalize).toBe(0);
  });
});
