// CartesiaTTS against the local provider server's `/tts/websocket` (audio from espeak-ng), over
// a real socket: requests with `continue`, `cancel`, f32 audio, faults and reconnect.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TtsSocketEntry } from '../../../local-ai/server.mjs';
import { int16ToFloat32 } from '../../audio/dsp/pcm16';
import { ProviderError } from '../errors';
import { useProviderServer } from '../test-server';
import { CartesiaTTS, type CartesiaTTSOptions } from './cartesia';
import { NodeWebSocket, collect, forever, pieces, rms, sockets, unspoken } from './socket-test-kit';

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
const server = useProviderServer();
const made: CartesiaTTS[] = [];
const VOICE = 'a0e99841-438c-4a64-b679-ae501e7d6091';
const tts = (o: Partial<CartesiaTTSOptions> = {}) => {
  const t = new CartesiaTTS({ voiceId: VOICE, baseURL: server.url, apiKey: 'sk_car_0123456789', WebSocket: NodeWebSocket, ...o });
  made.push(t);
  return t;
};
afterEach(() => void made.splice(0).forEach((t) => t.close()));
const script = (...ttsSocket: TtsSocketEntry[]) => server.handler.script({ ttsSocket });
const log = () => sockets(() => server.handler.log(), '/tts/websocket');
const open = () => new AbortController().signal;
const TEXT = 'Welcome back, Dana. Your table is ready.';
const LONG = 'The train leaves the station at nine. It stops in every town along the coast, and the trip takes about four hours. Bring a book.';

/** The samples the server makes for `text` as one piece (espeak, 24 kHz s16le, default pitch). */
async function rawPcm(text: string): Promise<Float32Array> {
  const res = await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'tts-1', input: text, voice: 'alloy', response_format: 'pcm' }) });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return int16ToFloat32(Int16Array.from({ length: bytes.length >> 1 }, (_, i) => view.getInt16(i * 2, true)));
}

describe.skipIf(!hasEspeak)('CartesiaTTS', () => {
  it('speaks a text as one context: pcm_s16le at 24 kHz, exactly the generated samples; the request Cartesia expects', async () => {
    const r = await collect(tts({ language: 'en' }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.samples).toEqual(await rawPcm(TEXT));
    expect(rms(r.samples)).toBeGreaterThan(0.02);
    expect(r.samples.length / 24000).toBeGreaterThan(TEXT.length / 30);
    const [c] = log();
    expect(c!.body.query).toEqual({ cartesia_version: '2025-11-04', api_key: 'sk_car_0123456789' });
    const [req] = c!.body.received;
    expect(req).toEqual({
      model_id: 'sonic-3', voice: { mode: 'id', id: VOICE }, output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: 24000 },
      language: 'en', add_timestamps: true, context_id: expect.any(String), transcript: TEXT, continue: false,
    });
    expect(c!.body.contexts[req!.context_id as string]).toMatchObject({ text: TEXT, final: true, cancelled: false });
  }, 20_000);

  it('pcm_f32le at 16 kHz: the same speech, as floats', async () => {
    const t = tts({ encoding: 'pcm_f32le', sampleRate: 16000 });
    expect(t.sampleRate).toBe(16000);
    const r = await collect(t.synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeUndefined();
    expect(log()[0]!.body.received[0]).toMatchObject({ output_format: { encoding: 'pcm_f32le', sample_rate: 16000 } });
    const at24 = await rawPcm(TEXT);
    expect(Math.abs(r.samples.length - (at24.length * 2) / 3)).toBeLessThanOrEqual(1);
    expect(rms(r.samples)).toBeCloseTo(rms(at24), 2);
  }, 20_000);

  it('stream(): pieces go out as `continue: true` requests of one context, ended by `continue: false`', async () => {
    const parts = ['Welcome ba', 'ck, Dana. Your ta', 'ble is ', 'ready.'];
    const r = await collect(tts().stream({ text: pieces(parts.flatMap((p) => [p, () => new Promise((res) => setTimeout(res, 10))])), signal: open() }));
    expect(r.error).toBeUndefined();
    const [c] = log();
    const reqs = c!.body.received;
    expect(new Set(reqs.map((m) => m.context_id)).size).toBe(1);
    expect(reqs.map((m) => m.continue)).toEqual([...reqs.slice(1).map(() => true), false]);
    expect(reqs.map((m) => m.transcript).join('')).toBe(TEXT);
    expect(Object.values(c!.body.contexts)[0]).toMatchObject({ text: TEXT, final: true });
    expect(rms(r.samples)).toBeGreaterThan(0.02);
  }, 20_000);

  it('audio starts at the first sentence end; an abort sends cancel and ends quietly', async () => {
    script({ chunkDelayMs: 20 });
    const ac = new AbortController();
    const r = await collect(tts().stream({ text: pieces(['Welcome back, Dana. Your ', forever]), signal: ac.signal }), () => ac.abort());
    expect(r.error).toBeUndefined();
    expect(r.chunks).toHaveLength(1);
    const [c] = log();
    const id = c!.body.received[0]!.context_id;
    await vi.waitFor(() => expect(c!.body.received.at(-1)).toEqual({ context_id: id, cancel: true }));
    expect(c!.body.contexts[id as string]).toMatchObject({ cancelled: true, final: false });
  }, 20_000);

  it('a socket that drops mid-utterance is replaced: the words without timestamps go out in a new context, nothing twice', async () => {
    script({ chunkDelayMs: 2, fault: { kind: 'close', afterChunks: 12 } }, {});
    const r = await collect(tts().synthesize({ text: LONG, signal: open() }));
    expect(r.error).toBeUndefined();
    const [first, second] = log();
    expect(first!.body.closeCode).toBe(1011);
    const a = Object.values(first!.body.contexts)[0]!;
    const b = Object.values(second!.body.contexts)[0]!;
    expect(a.spoken.length).toBeGreaterThan(10);
    // `spoken` is the timestamped words: the new context starts right after the last of them.
    expect(b.text.trim()).toBe(unspoken(LONG, LONG.indexOf(a.spoken.trim().split(' ').at(-1)!) + a.spoken.trim().split(' ').at(-1)!.length));
    expect(b.final).toBe(true);
    expect(r.samples.length).toBe(a.samples + b.samples);
  }, 20_000);

  it('getToken(): an access token per connection, as access_token', async () => {
    server.handler.configure({ requireKey: 'tok_123' });
    const getToken = vi.fn(async () => 'tok_123');
    const r = await collect(tts({ apiKey: undefined, getToken }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeUndefined();
    expect(log()[0]!.body.query).toEqual({ cartesia_version: '2025-11-04', access_token: 'tok_123' });
  }, 20_000);

  it('a bad credential is refused at the handshake: provider-auth', async () => {
    server.handler.configure({ requireKey: 'sk_car_right' });
    const r = await collect(tts().synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-auth', status: 401, retryable: false });
  });

  it('an error frame for the context ends in a typed error', async () => {
    const r = await collect(tts({ modelId: '' }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-bad-request', status: 400 });
    expect(String((r.error as Error).message)).toContain('model_id is required');
  });

  it('a malformed frame ends in provider-protocol', async () => {
    script({ fault: { kind: 'malformed', afterChunks: 2 } });
    const r = await collect(tts().synthesize({ text: LONG, signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-protocol' });
    expect(r.chunks).toHaveLength(2);
  }, 20_000);

  it('slow first audio ends in provider-timeout', async () => {
    script({ firstAudioDelayMs: 3000 });
    const r = await collect(tts({ firstAudioTimeoutMs: 300 }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-timeout', retryable: true });
  }, 20_000);
});
