// ElevenLabsHTTPTTS against the local provider server's `/v1/text-to-speech/{voice}/stream`.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { LogEntry, TtsEntry } from '../../../local-ai/server.mjs';
import { ProviderError } from '../errors';
import { useProviderServer } from '../test-server';
import { ElevenLabsHTTPTTS, type ElevenLabsHTTPTTSOptions } from './elevenlabs-http';
import { collect, rms } from './socket-test-kit';

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
const server = useProviderServer();
const tts = (o: Partial<ElevenLabsHTTPTTSOptions> = {}) => new ElevenLabsHTTPTTS({ voiceId: 'voice-abc', baseURL: server.url, apiKey: 'xi-key-0123456789', ...o });
const script = (...t: TtsEntry[]) => server.handler.script({ tts: t });
const requests = (): LogEntry[] => server.handler.log().requests.filter((r) => r.route === '/v1/text-to-speech/stream');
const open = () => new AbortController().signal;
const TEXT = 'Your order has shipped. It should arrive on Friday morning.';

describe.skipIf(!hasEspeak)('ElevenLabsHTTPTTS', () => {
  it('streams raw PCM at the rate asked for, with the key as xi-api-key', async () => {
    server.handler.configure({ requireKey: 'xi-key-0123456789' });
    const r = await collect(tts({ sampleRate: 16000, modelId: 'eleven_turbo_v2_5', voiceSettings: { stability: 0.4 } }).synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeUndefined();
    expect(r.chunks.length).toBeGreaterThan(3);
    expect(rms(r.samples)).toBeGreaterThan(0.02);
    expect(r.samples.length / 16000).toBeGreaterThan(TEXT.length / 30);
    const [req] = requests();
    expect(req!.body).toEqual({ text: TEXT, model_id: 'eleven_turbo_v2_5', voice_settings: { stability: 0.4 }, voice: 'voice-abc', query: { output_format: 'pcm_16000' } });
    expect(req!.authorization).toBeNull(); // the key went as xi-api-key, not as a bearer
  }, 20_000);

  it('a wrong key: provider-auth from the 401 detail body, no retry', async () => {
    server.handler.configure({ requireKey: 'xi-right' });
    const r = await collect(tts().synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-auth', status: 401 });
    expect(String((r.error as Error).message)).toContain('Invalid API key');
    expect(requests()).toHaveLength(1);
  });

  it('retries a 429, then streams', async () => {
    script({ fault: { kind: 'status', status: 429, headers: { 'retry-after-ms': '10' } } });
    const r = await collect(tts().synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toBeUndefined();
    expect(requests().map((q) => q.status)).toEqual([429, 200]);
  }, 20_000);

  it('a body cut mid-stream ends in provider-protocol after the audio that came', async () => {
    script({ fault: { kind: 'cut', afterBytes: 20000 } });
    const r = await collect(tts().synthesize({ text: TEXT, signal: open() }));
    expect(r.error).toMatchObject({ code: 'provider-protocol' });
    expect(r.samples.length).toBe(10000);
  }, 20_000);
});
