// ElevenLabsTTS against the local provider server's multi-stream-input socket (audio from
// espeak-ng), over a real socket: the frames, contexts, cancel, faults and reconnect.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TtsSocketEntry } from '../../../local-ai/server.mjs';
import { int16ToFloat32 } from '../../audio/dsp/pcm16';
import { ProviderError } from '../errors';
import { useProviderServer } from '../test-server';
import { ElevenLabsTTS, type ElevenLabsTTSOptions } from './elevenlabs';
import { NodeWebSocket, collect, forever, pieces, rms, sockets, unspoken } from './socket-test-kit';

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
const server = useProviderServer();
const made: ElevenLabsTTS[] = [];
const tts = (o: Partial<ElevenLabsTTSOptions> = {}) => {
  const t = new ElevenLabsTTS({ voiceId: 'voice-abc', baseURL: server.url, apiKey: 'xi-key-0123456789', WebSocket: NodeWebSocket, ...o });
  made.push(t);
  return t;
};
afterEach(() => void made.splice(0).forEach((t) => t.close()));
const script = (...ttsSocket: TtsSocketEntry[]) => server.handler.script({ ttsSocket });
const log = () => sockets(() => server.handler.log(), '/v1/text-to-speech/multi-stream-input');
const open = () => new AbortController().signal;
const TEXT = 'Your order has shipped. It should arrive on Friday morning.';
const LONG = 'The train leaves the station at nine. It stops in every town along the coast, and the trip takes about four hours. Bring a book.';

/** The exact samples the server's HTTP stream makes for `text` (the socket speaks a flushed text alike). */
async function rawPcm(text: string, rate = 24000): Promise<Float32Array> {
  const res = await fetch(`${server.url}/v1/text-to-speech/voice-abc/stream?output_format=pcm_${rate}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return int16ToFloat32(Int16Array.from({ length: bytes.length >> 1 }, (_, i) => view.getInt16(i * 2, true)));
}

describe.skipIf(!hasEspeak)('ElevenLabsTTS (multi-stream-input)', () => {
  it('speaks a text as one context: PCM at 24 kHz, exactly the generated samples; the wire messages ElevenLabs expects', async () => {
    const r = await collect(tts({ voiceSettings: { stability: 0.5, speed: 1 } }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.chunks.length).toBeGreaterThan(5);
    expect(r.samples).toEqual(await rawPcm(TEXT));
    expect(rms(r.samples)).toBeGreaterThan(0.02);
    expect(r.samples.length / 24000).toBeGreaterThan(TEXT.length / 30); // ≥ 30 chars/s: plausible speech
    const [c] = log();
    expect(c!.body.query).toMatchObject({ model_id: 'eleven_flash_v2_5', output_format: 'pcm_24000' });
    expect(c!.body.voice).toBe('voice-abc');
    const id = Object.keys(c!.body.contexts)[0]!;
    expect(c!.body.received).toEqual([
      { text: ' ', context_id: id, voice_settings: { stability: 0.5, speed: 1 }, xi_api_key: 'xi-key-0123456789' },
      { context_id: id, text: TEXT, flush: true },
      { context_id: id, close_context: true },
    ]);
    expect(c!.body.contexts[id]).toMatchObject({ text: TEXT, spoken: TEXT, final: true, cancelled: false });
  }, 20_000);

  it('asks for the rate given (pcm_16000) and yields it', async () => {
    const t = tts({ sampleRate: 16000 });
    expect(t.sampleRate).toBe(16000);
    const r = await collect(t.synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeUndefined();
    expect(log()[0]!.body.query.output_format).toBe('pcm_16000');
    expect(r.samples).toEqual(await rawPcm(TEXT, 16000));
  }, 20_000);

  it('stream(): text in pieces split mid-word becomes one context, sent at word boundaries', async () => {
    const parts = ['Your ord', 'er has sh', 'ipped. It sho', 'uld arrive on Fri', 'day morning.'];
    const r = await collect(tts().stream({ text: pieces(parts.flatMap((p) => [p, () => new Promise((res) => setTimeout(res, 10))])), signal: open() }));
    expect(r.error).toBeUndefined();
    const [c] = log();
    const ids = Object.keys(c!.body.contexts);
    expect(ids).toHaveLength(1);
    expect(c!.body.contexts[ids[0]!]).toMatchObject({ text: TEXT, spoken: TEXT, final: true });
    // No text message ends inside a word.
    const texts = c!.body.received.filter((m) => typeof m.text === 'string' && m.text !== ' ').map((m) => m.text as string);
    expect(texts.slice(0, -1).every((t) => t === '' || t.endsWith(' '))).toBe(true);
    expect(rms(r.samples)).toBeGreaterThan(0.02);
  }, 20_000);

  it('audio starts before the text ends (chunk_length_schedule), and an abort sends close_context and ends quietly', async () => {
    script({ chunkDelayMs: 20 });
    const ac = new AbortController();
    const r = await collect(tts({ chunkLengthSchedule: [50] }).stream({ text: pieces([LONG.slice(0, 80), forever]), signal: ac.signal }), () => ac.abort());
    expect(r.error).toBeUndefined();
    expect(r.chunks).toHaveLength(1);
    const [c] = log();
    const id = Object.keys(c!.body.contexts)[0]!;
    await vi.waitFor(() => expect(c!.body.received.at(-1)).toEqual({ context_id: id, close_context: true }));
    expect(c!.body.contexts[id]).toMatchObject({ cancelled: true, final: false });
    expect(c!.body.received.some((m) => m.flush === true)).toBe(false);
  }, 20_000);

  it('keeps a context that waits for text alive (empty texts), so the server does not end it', async () => {
    const r = await collect(tts({ inactivityTimeoutSec: 1 }).stream({ text: pieces(['Your order has ', () => new Promise((res) => setTimeout(res, 1600)), 'shipped.']), signal: open() }));
    expect(r.error).toBeUndefined();
    const [c] = log();
    const [id, ctx] = Object.entries(c!.body.contexts)[0]!;
    expect(c!.body.query.inactivity_timeout).toBe('1');
    expect(c!.body.received.filter((m) => m.text === '' && m.context_id === id).length).toBeGreaterThanOrEqual(2);
    expect(ctx).toMatchObject({ text: 'Your order has shipped.', final: true });
    expect(ctx.timedOut).toBeUndefined();
  }, 20_000);

  it('keeps one socket for several utterances, one context each', async () => {
    const t = tts();
    await collect(t.synthesize({ text: 'First one.', signal: open() }));
    await collect(t.synthesize({ text: 'Second one.', signal: open() }));
    expect(log()).toHaveLength(1);
    expect(Object.values(log()[0]!.body.contexts).map((c) => c.text)).toEqual(['First one.', 'Second one.']);
  }, 20_000);

  it('the stand-in generates contexts independently: a new context is not queued behind one still draining', async () => {
    // ElevenLabs: "each context operates as an independent audio generation stream". A context
    // whose end was sent (flush + close_context) and then abandoned (a barge-in) goes on being
    // generated on the server; the next answer's audio must not wait for it.
    script({ chunkDelayMs: 40 });
    const t = tts();
    for await (const _ of t.synthesize({ text: LONG, signal: open() })) break; // heard one chunk, then cut
    const next = await collect(t.synthesize({ text: 'Second one.', signal: open() }));
    expect(next.error).toBeUndefined();
    expect(next.samples.length).toBeGreaterThan(0);
    const [first, second] = Object.values(log()[0]!.body.contexts);
    expect(first).toMatchObject({ flushed: true, closed: true, closedAgain: true });
    // Still draining when the second was done (served one after the other, it would have ended first).
    expect(first!.final).toBe(false);
    expect(second).toMatchObject({ final: true });
  }, 20_000);

  it('a socket that drops mid-utterance is replaced: the unspoken text goes out in a new context, nothing is spoken twice', async () => {
    script({ chunkDelayMs: 2, fault: { kind: 'close', afterChunks: 12 } }, {});
    const r = await collect(tts().synthesize({ text: LONG, signal: open() }));
    expect(r.error).toBeUndefined();
    const [first, second] = log();
    expect(first!.body.closeCode).toBe(1011);
    const a = Object.values(first!.body.contexts)[0]!;
    const b = Object.values(second!.body.contexts)[0]!;
    expect(a.spoken.length).toBeGreaterThan(10);
    expect(a.spoken.length).toBeLessThan(LONG.length - 20);
    expect(b.text.trim()).toBe(unspoken(LONG, a.spoken.length));
    expect(b.final).toBe(true);
    // The audio is exactly what the two contexts sent: none of the first context's audio came again.
    expect(r.samples.length).toBe(a.samples + b.samples);
  }, 20_000);

  it('gives up after `reconnects` failed attempts with the last failure as a typed, retryable error', async () => {
    script({ fault: { kind: 'close', afterChunks: 2 } }, { fault: { kind: 'status', status: 503 } });
    const r = await collect(tts({ reconnects: 1 }).synthesize({ text: LONG, signal: open() }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-server', status: 503, retryable: true });
    expect(String((r.error as Error).message)).toContain('gave up after 1 reconnects');
    expect(log()).toHaveLength(2);
  }, 20_000);

  it('the attempt count starts over once audio flows again: drops far apart all recover', async () => {
    script({ chunkDelayMs: 2, fault: { kind: 'close', afterChunks: 4 } }, { chunkDelayMs: 2, fault: { kind: 'close', afterChunks: 4 } }, {});
    const r = await collect(tts({ reconnects: 1 }).synthesize({ text: LONG, signal: open() }));
    expect(r.error).toBeUndefined();
    expect(log()).toHaveLength(3);
    expect(r.samples.length).toBe(log().reduce((n, c) => n + Object.values(c.body.contexts)[0]!.samples, 0));
  }, 20_000);

  it('getToken(): a single-use token per connection, in the URL (no key in the messages)', async () => {
    server.handler.configure({ requireKey: 'sut_' });
    script({ fault: { kind: 'close', afterChunks: 3 } }, {});
    let n = 0;
    const getToken = vi.fn(async () => `sut_${++n}`);
    const r = await collect(tts({ apiKey: undefined, getToken }).synthesize({ text: LONG, signal: open() }));
    expect(r.error).toBeUndefined();
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(log().map((c) => [c.status, c.body.query.single_use_token])).toEqual([[101, 'sut_1'], [101, 'sut_2']]);
    expect(log()[0]!.body.received.some((m) => 'xi_api_key' in m)).toBe(false);
  }, 20_000);

  it('a used or bad token is refused at the handshake: provider-auth, no retry', async () => {
    server.handler.configure({ requireKey: 'sut_' });
    const r = await collect(tts({ apiKey: undefined, getToken: async () => 'nope' }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-auth', status: 401, retryable: false });
    expect(log()).toHaveLength(1);
  });

  it('a wrong key in the first message gets an in-band error and close 1008: provider-auth', async () => {
    server.handler.configure({ requireKey: 'xi-right-key' });
    const r = await collect(tts({ apiKey: 'xi-wrong-key' }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-auth', retryable: false });
    expect(String((r.error as Error).message)).toContain('invalid_api_key');
  });

  it('a malformed frame ends in provider-protocol', async () => {
    script({ fault: { kind: 'malformed', afterChunks: 2 } });
    const r = await collect(tts().synthesize({ text: LONG, signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-protocol' });
    expect(r.chunks).toHaveLength(2);
  }, 20_000);

  it('slow first audio ends in provider-timeout (first audio limit)', async () => {
    script({ firstAudioDelayMs: 3000 });
    const r = await collect(tts({ firstAudioTimeoutMs: 300 }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-timeout', retryable: true });
    expect(String((r.error as Error).message)).toContain('no audio within 300 ms');
  }, 20_000);

  it('an abort before the socket opens ends quietly; the socket, unused, closes after idleCloseMs', async () => {
    const ac = new AbortController();
    const audio = tts({ idleCloseMs: 100 }).synthesize({ text: TEXT, signal: ac.signal });
    const done = collect(audio);
    ac.abort();
    const r = await done;
    expect(r.error).toBeUndefined();
    expect(r.chunks).toEqual([]);
    await vi.waitFor(() => expect(log()[0]?.body).toMatchObject({ closedBy: 'client', closeCode: 1000, received: [{ close_socket: true }] }), { timeout: 3000 });
  });

  it('the connect limit covers getToken() too', async () => {
    const r = await collect(tts({ apiKey: undefined, getToken: () => new Promise<string>(() => undefined), connectTimeoutMs: 200 }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-timeout' });
    expect(log()).toHaveLength(0);
  });

  it('a handshake that never completes ends in provider-timeout (connect limit)', async () => {
    script({ fault: { kind: 'hang' } });
    const r = await collect(tts({ connectTimeoutMs: 200 }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-timeout' });
    expect(String((r.error as Error).message)).toContain('no connection');
  });

  it('streamTo() where no worker runs (Node, a WebSocket class): the main thread pushes every sample to the stream, yields the same, and ends the stream when told', async () => {
    const pushed: (Float32Array | 'end')[] = [];
    const stream = { id: 3, sourceRate: 24000, push: (x: Float32Array) => pushed.push(x.slice()), end: () => pushed.push('end') } as unknown as import('../../audio/mixer').MixerStream;
    const t = tts();
    const piped = t.streamTo({ text: pieces(['Your order has ', 'shipped. It should arrive on Friday morning.']), signal: open() }, stream);
    piped.end();
    const r = await collect(piped);
    expect(r.error).toBeUndefined();
    expect(r.samples).toEqual(await rawPcm(TEXT));
    expect(pushed.at(-1)).toBe('end');
    expect(pushed.slice(0, -1).reduce((n, c) => n + (c as Float32Array).length, 0)).toBe(r.samples.length);
    // Blank text through synthesizeTo: nothing, no connection, and the stream still ends.
    const before = log().length;
    const blank = t.synthesizeTo({ text: ' ', signal: open() }, stream);
    blank.end();
    expect((await collect(blank)).chunks).toEqual([]);
    expect(log().length).toBe(before);
    expect(pushed.filter((x) => x === 'end')).toHaveLength(2);
  }, 20_000);
});

describe('ElevenLabsTTS URLs', () => {
  it('takes http(s) or ws(s) base URLs, with a path prefix for a proxy', async () => {
    const url = async (baseURL: string) => {
      const seen: string[] = [];
      const Fake = function (this: unknown, u: string) {
        seen.push(u);
        throw new Error('stop');
      } as unknown as typeof NodeWebSocket;
      await collect(new ElevenLabsTTS({ voiceId: 'v 1', baseURL, WebSocket: Fake }).synthesize({ text: 'Hi.', signal: open() }));
      return seen[0]!.split('?')[0];
    };
    expect(await url('https://proxy.example/el/')).toBe('wss://proxy.example/el/v1/text-to-speech/v%201/multi-stream-input');
    expect(await url('http://127.0.0.1:9')).toBe('ws://127.0.0.1:9/v1/text-to-speech/v%201/multi-stream-input');
  });

  it('blank text yields nothing, without a connection', async () => {
    const Fake = vi.fn() as unknown as typeof NodeWebSocket;
    const r = await collect(new ElevenLabsTTS({ voiceId: 'v', WebSocket: Fake }).synthesize({ text: '  ', signal: open() }));
    expect(r.chunks).toEqual([]);
    expect(Fake).not.toHaveBeenCalled();
  });
});
