// OpenAISTT against the real local provider server: a real multipart upload of a real WAV.
import { describe, expect, it } from 'vitest';
import type { LogEntry, SttEntry } from '../../../local-ai/server.mjs';
import type { STTChunk } from '../types';
import { encodeWav } from '../../audio/dsp/wav-encode';
import { OpenAISTT, formWithWav, type OpenAISTTOptions } from './openai';
import { useProviderServer } from '../test-server';

const server = useProviderServer();

const requests = (): LogEntry[] => server.handler.log().requests;
const script = (...stt: SttEntry[]) => server.handler.script({ stt });
const stt = (o: OpenAISTTOptions = {}) => new OpenAISTT({ baseURL: `${server.url}/v1`, apiKey: 'sk-stt-key-12345678', ...o });

/** `seconds` of a 220 Hz tone at `rate` Hz. */
function tone(seconds: number, rate = 16000): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate));
}
async function run(iter: AsyncIterable<STTChunk>) {
  const chunks: STTChunk[] = [];
  let error: unknown;
  try {
    for await (const c of iter) chunks.push(c);
  } catch (err) {
    error = err;
  }
  return { chunks, error, finals: chunks.filter((c) => c.type === 'final') };
}

describe('OpenAISTT', () => {
  it('uploads a WAV with model and language; the honest default reports its duration', async () => {
    const r = await run(stt({ language: 'en', prompt: 'Earshot' }).transcribe({ audio: tone(1.4), sampleRate: 16000, signal: new AbortController().signal }));
    expect(r.error).toBeUndefined();
    expect(r.chunks).toEqual([{ type: 'final', text: '(1.4 s of speech)' }]);
    const [req] = requests();
    expect(req!.body).toMatchObject({
      model: 'gpt-4o-mini-transcribe',
      language: 'en',
      prompt: 'Earshot',
      responseFormat: 'json',
      stream: false,
      durationSec: 1.4,
      fileName: 'utterance.wav',
      fileType: 'audio/wav',
      fileBytes: 44 + 1.4 * 16000 * 2,
    });
    expect(req!.authorization).toBe('Bearer sk-...5678');
  });

  it('a request language overrides the option; other rates are encoded as given', async () => {
    await run(stt({ language: 'en', model: 'whisper-1' }).transcribe({ audio: tone(0.75, 24000), sampleRate: 24000, language: 'de', signal: new AbortController().signal }));
    expect(requests()[0]!.body).toMatchObject({ model: 'whisper-1', language: 'de', durationSec: 0.75 });
  });

  it('returns a scripted transcript as exactly one final', async () => {
    script({ text: 'Turn the lights off.' });
    const r = await run(stt().transcribe({ audio: tone(1), sampleRate: 16000, signal: new AbortController().signal }));
    expect(r.chunks).toEqual([{ type: 'final', text: 'Turn the lights off.' }]);
  });

  it('streams deltas, then one final, when stream is on', async () => {
    script({ text: 'Привет, turn the lights off please.' });
    const r = await run(stt({ stream: true }).transcribe({ audio: tone(1), sampleRate: 16000, signal: new AbortController().signal }));
    const deltas = r.chunks.filter((c) => c.type === 'delta');
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.map((d) => d.text).join('')).toBe('Привет, turn the lights off please.');
    expect(r.finals).toEqual([{ type: 'final', text: 'Привет, turn the lights off please.' }]);
    expect(r.chunks.at(-1)!.type).toBe('final');
    expect(requests()[0]!.body).toMatchObject({ stream: true });
  });

  it('replays the multipart body on retry', async () => {
    script({ fault: { kind: 'status', status: 500, headers: { 'retry-after-ms': 5 } } }, { text: 'again' });
    const r = await run(stt().transcribe({ audio: tone(0.5), sampleRate: 16000, signal: new AbortController().signal }));
    expect(r.chunks).toEqual([{ type: 'final', text: 'again' }]);
    expect(requests().map((e) => [e.status, (e.body as { durationSec: number }).durationSec])).toEqual([
      [500, 0.5],
      [200, 0.5],
    ]);
  });

  it('a stream cut before transcript.text.done is provider-protocol, after the deltas', async () => {
    script({ text: 'one two three four', fault: { kind: 'cut', afterChars: 8 } });
    const r = await run(stt({ stream: true }).transcribe({ audio: tone(0.5), sampleRate: 16000, signal: new AbortController().signal }));
    expect(r.chunks.map((c) => c.text).join('')).toBe('one two');
    expect(r.finals).toHaveLength(0);
    expect(r.error).toMatchObject({ code: 'provider-protocol' });
  });

  it('an abort ends quietly', async () => {
    script({ text: 'late', delayMs: 2000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await run(stt().transcribe({ audio: tone(0.5), sampleRate: 16000, signal: ac.signal }));
    expect(r).toMatchObject({ chunks: [], error: undefined });
  });
});

describe('the hand-built multipart upload', () => {
  it('parses as multipart/form-data by a strict parser (undici\'s FormData): the WAV file and every field, non-ASCII included', async () => {
    for (const n of [1600, 1601]) {
      const audio = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 5) * 0.5);
      const fields: [string, string][] = [['model', 'gpt-4o-mini-transcribe'], ['response_format', 'json'], ['prompt', 'Zoë, naïve café — 東京']];
      const { body, contentType } = formWithWav(audio, 16000, fields);
      const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
      const file = form.get('file') as File;
      expect([file.name, file.type]).toEqual(['utterance.wav', 'audio/wav']);
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(encodeWav(audio, 16000));
      for (const [name, value] of fields) expect(form.get(name)).toBe(value);
      expect([...form.keys()]).toEqual(['file', ...fields.map(([name]) => name)]);
    }
  });
});
