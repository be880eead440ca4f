// DeepgramSTT against the local provider server's `/v1/listen`, over a real socket. The
// server decodes the linear16 audio and hears words in it (tone bursts whose pitch names a
// word of the script), so a transcript is a function of the audio the client delivered.
import { describe, expect, it, vi } from 'vitest';
import type { ListenEntry } from '../../../local-ai/server.mjs';
import { ProviderError } from '../errors';
import { useProviderServer } from '../test-server';
import { DeepgramSTT, type DeepgramSTTOptions } from './deepgram';
import { collect, connections, feed, forever, NodeWebSocket, SENTENCE, silence, words } from './deepgram-test-kit';

const server = useProviderServer();
const KEY = 'dg-test-key-0123456789';
const script = (...listen: ListenEntry[]) => server.handler.script({ listen });
const pitch = (extra: ListenEntry = {}): ListenEntry => ({ text: SENTENCE, wordCode: 'pitch', ...extra });
const stt = (o: DeepgramSTTOptions = {}) => new DeepgramSTT({ baseURL: server.url, apiKey: KEY, WebSocket: NodeWebSocket, ...o });
const open = () => new AbortController().signal;
const log = () => connections(() => server.handler.log());

describe('DeepgramSTT', () => {
  it('streams interim results, finals, then end_of_turn at speech_final; sends the query Deepgram expects', async () => {
    script(pitch());
    const r = await collect(stt({ language: 'en' }).stream({ audio: feed([words([0, 1, 2, 3, 4], 1500)]), signal: open() }));
    expect(r.error).toBeUndefined();
    const interims = r.of('interim').map((e) => e.text);
    expect(interims.length).toBeGreaterThanOrEqual(4);
    expect(interims).toContain('Book a table');
    expect(r.of('final').map((e) => e.text)).toEqual(['Book a table for two.']);
    expect(r.of('end_of_turn')).toMatchObject([{ turn: 0, text: 'Book a table for two.', reason: 'endpoint' }]);
    expect(r.of('utterance_end')).toHaveLength(1);
    // A turn is start → interims → final → end, then the utterance-end hint.
    const order = r.events.map((e) => e.type).filter((t, i, a) => t !== a[i - 1]);
    expect(order).toEqual(['start_of_turn', 'interim', 'final', 'end_of_turn', 'utterance_end']);
    const [c] = log();
    expect(c!.body.query).toMatchObject({
      model: 'nova-3', language: 'en', encoding: 'linear16', sample_rate: '16000', channels: '1', interim_results: 'true',
      endpointing: '300', utterance_end_ms: '1000', vad_events: 'true', smart_format: 'true',
    });
    expect(c!.body.protocol).toBe('token');
    expect(c!.authorization).toBe('Token dg-...6789');
    expect(c!.body.audioBytes).toBe(words([0, 1, 2, 3, 4], 1500).length * 2);
    expect(c!.body.emptyFrames).toBe(0);
    expect(c!.body.received.CloseStream).toBe(1);
    await vi.waitFor(() => expect(c!.body).toMatchObject({ closeCode: 1000, closedBy: 'server' }));
  });

  it('gives word timings in seconds from the first sample of the stream', async () => {
    script(pitch());
    const r = await collect(stt().stream({ audio: feed([words([0, 1, 2, 3, 4], 1500)]), signal: open() }));
    const w = r.of('end_of_turn')[0]!.words;
    expect(w.map((x) => x.text)).toEqual(['Book', 'a', 'table', 'for', 'two.']);
    // Word i is a 250 ms tone starting at 100 ms + i × 330 ms.
    w.forEach((x, i) => {
      expect(x.start).toBeCloseTo(0.1 + 0.33 * i, 1);
      expect(x.end).toBeCloseTo(0.35 + 0.33 * i, 1);
      expect(x.confidence).toBeGreaterThan(0.9);
    });
  });

  it('one turn can hold several finals; two turns are numbered', async () => {
    script(pitch({ finalEveryWords: 2 }));
    const r = await collect(stt().stream({ audio: feed([words([0, 1, 2], 1500), words([3, 4], 1500)]), signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.of('final').map((e) => [e.turn, e.text])).toEqual([[0, 'Book a'], [0, 'table'], [1, 'for two.']]);
    expect(r.of('end_of_turn').map((e) => [e.turn, e.text])).toEqual([[0, 'Book a table'], [1, 'for two.']]);
    // Interims restate the whole turn so far, finals included.
    expect(r.of('interim').filter((e) => e.turn === 0).map((e) => e.text)).toContain('Book a table');
  });

  it('finalize() settles the turn at once (Finalize → from_finalize)', async () => {
    script(pitch());
    let release!: () => void;
    const s = stt().stream({ audio: feed([words([0, 1], 0), new Promise<void>((r) => (release = r))]), signal: open() });
    const r = await collect(s, (e) => {
      if (e.type === 'interim' && e.text === 'Book a') s.finalize();
      if (e.type === 'end_of_turn') release();
    });
    expect(r.error).toBeUndefined();
    expect(r.of('end_of_turn')).toMatchObject([{ text: 'Book a', reason: 'finalize' }]);
    expect(log()[0]!.body.received.Finalize).toBe(1);
  });

  it('sends KeepAlive while no audio flows, so the server does not close the idle socket', async () => {
    server.handler.configure({ listenIdleMs: 300 });
    script(pitch());
    const keptAlive = vi.waitFor(() => expect(log()[0]?.body.received.KeepAlive).toBeGreaterThanOrEqual(3), { timeout: 5000, interval: 20 });
    const r = await collect(stt({ keepAliveMs: 60, reconnects: 0 }).stream({ audio: feed([words([0, 1], 0), keptAlive, words([2, 3, 4], 1500, 0)]), signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.of('end_of_turn').map((e) => e.text).join(' ')).toBe('Book a table for two.');
    expect(log()).toHaveLength(1);
  });

  it('after a 1011 mid-utterance, reconnects and resends the audio since the last final: nothing lost, nothing twice', async () => {
    script(pitch({ finalEveryWords: 2, fault: { kind: 'close', afterWords: 3 } }), pitch());
    const audio = words([0, 1, 2, 3, 4], 1500);
    const r = await collect(stt().stream({ audio: feed([audio]), signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.of('end_of_turn')).toMatchObject([{ turn: 0, text: 'Book a table for two.', reason: 'endpoint' }]);
    // Times stay on the stream's clock across the two sockets.
    expect(r.of('end_of_turn')[0]!.words.map((w) => Math.round(w.start! * 100) / 100)).toEqual([0.1, 0.43, 0.76, 1.09, 1.42].map((x) => expect.closeTo(x, 1)));
    const [first, second] = log();
    expect(first!.body.closeCode).toBe(1011);
    // The second socket got the audio after the first final ("Book a"), not all of it.
    expect(second!.body.audioBytes).toBeGreaterThan(0);
    expect(second!.body.audioBytes).toBeLessThan(audio.length * 2 - 0.6 * 32000);
  });

  it('without reconnects, a 1011 ends in a retryable provider-server error', async () => {
    script(pitch({ fault: { kind: 'close', afterWords: 2 } }));
    const r = await collect(stt({ reconnects: 0 }).stream({ audio: feed([words([0, 1, 2, 3, 4], 1500)]), signal: open() }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-server', status: 1011, retryable: true });
    expect(String((r.error as Error).message)).toContain('NET-0000');
  });

  it('a bad key is refused at the handshake (HTTP 401): provider-auth, no reconnect', async () => {
    server.handler.configure({ requireKey: 'dg-the-right-key-000' });
    const r = await collect(stt().stream({ audio: feed([words([0], 500)]), signal: open() }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-auth', status: 401, retryable: false });
    expect(log().map((c) => c.status)).toEqual([401]);
  });

  it('a getToken() JWT goes as the bearer subprotocol', async () => {
    server.handler.configure({ requireKey: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' });
    script(pitch());
    const getToken = vi.fn(async () => 'eyJhbGciOiJIUzI1NiJ9.e30.sig');
    const r = await collect(new DeepgramSTT({ baseURL: server.url.replace('http', 'ws'), getToken, WebSocket: NodeWebSocket }).stream({ audio: feed([words([0, 1], 1000)]), signal: open() }));
    expect(r.error).toBeUndefined();
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(log()[0]).toMatchObject({ status: 101, body: { protocol: 'bearer' } });
  });

  it('a frame that is not JSON ends in provider-protocol and the socket is closed', async () => {
    script(pitch({ fault: { kind: 'malformed', afterWords: 1 } }));
    const r = await collect(stt().stream({ audio: feed([words([0, 1, 2], 1500), forever]), signal: open() }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-protocol' });
    await vi.waitFor(() => expect(log()[0]!.body.closedBy).toBe('client'));
  });

  it('a server that goes quiet ends in provider-timeout (stall limit)', async () => {
    script(pitch({ fault: { kind: 'stall', afterWords: 1 } }));
    const r = await collect(stt({ stallTimeoutMs: 300 }).stream({ audio: feed([words([0, 1, 2], 1500)]), signal: open() }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-timeout', retryable: true });
    expect(String((r.error as Error).message)).toContain('no result');
  });

  it('a handshake that never completes ends in provider-timeout (connect limit)', async () => {
    script({ fault: { kind: 'hang' } });
    const r = await collect(stt({ connectTimeoutMs: 200 }).stream({ audio: feed([words([0], 500)]), signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-timeout' });
    expect(String((r.error as Error).message)).toContain('no connection');
  });

  it('an abort ends the events quietly and closes the socket (the server sees the client close)', async () => {
    script(pitch());
    const ac = new AbortController();
    const r = await collect(stt().stream({ audio: feed([words([0, 1, 2], 0), forever]), signal: ac.signal }), (e) => {
      if (e.type === 'interim') ac.abort();
    });
    expect(r.error).toBeUndefined();
    expect(r.events.at(-1)!.type).toBe('interim');
    await vi.waitFor(() => expect(log()[0]!.body).toMatchObject({ closedBy: 'client', closeCode: 1000 }));
    expect(log()[0]!.aborted).toBe(true);
  });

  it('an audio source that ends mid-turn closes the turn with stream_end', async () => {
    script(pitch());
    const r = await collect(stt({ endpointingMs: false }).stream({ audio: feed([words([0, 1, 2], 0)]), signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.of('end_of_turn')).toMatchObject([{ text: 'Book a table', reason: 'stream_end' }]);
    expect(log()[0]!.body.query.endpointing).toBe('false');
  });
});

describe('DeepgramSTT URLs', () => {
  it('takes http(s) or ws(s) base URLs, with a path prefix for a proxy', () => {
    const url = (baseURL: string) => {
      const seen: string[] = [];
      const Fake = function (this: unknown, u: string) {
        seen.push(u);
        throw new Error('stop');
      } as unknown as typeof NodeWebSocket;
      const s = new DeepgramSTT({ baseURL, WebSocket: Fake }).stream({ audio: feed([silence(10)]), signal: open() });
      return collect(s).then(() => seen[0]!.split('?')[0]);
    };
    return Promise.all([
      expect(url('https://proxy.example/dg/')).resolves.toBe('wss://proxy.example/dg/v1/listen'),
      expect(url('http://127.0.0.1:9/')).resolves.toBe('ws://127.0.0.1:9/v1/listen'),
      expect(url('wss://api.deepgram.com')).resolves.toBe('wss://api.deepgram.com/v1/listen'),
    ]);
  });
});
