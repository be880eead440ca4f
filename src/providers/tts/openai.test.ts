// OpenAITTS against the real local provider server, whose audio comes from espeak-ng.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startProviderServer, type LogEntry, type TtsEntry } from '../../../local-ai/server.mjs';
import { int16ToFloat32 } from '../../audio/dsp/pcm16';
import { ProviderError } from '../errors';
import { OpenAITTS, type OpenAITTSOptions } from './openai';
import { useProviderServer } from '../test-server';

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;

const server = useProviderServer();

const requests = (): LogEntry[] => server.handler.log().requests;
const script = (...tts: TtsEntry[]) => server.handler.script({ tts });
const tts = (o: Partial<OpenAITTSOptions> = {}) => new OpenAITTS({ baseURL: `${server.url}/v1`, apiKey: 'sk-tts-key-12345678', ...o });

async function run(iter: AsyncIterable<Float32Array>) {
  const chunks: Float32Array[] = [];
  let error: unknown;
  try {
    for await (const c of iter) chunks.push(c);
  } catch (err) {
    error = err;
  }
  const samples = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    samples.set(c, off);
    off += c.length;
  }
  return { chunks, samples, error };
}

/** The same request with a plain fetch: the exact int16 samples the server generated. */
async function rawPcm(text: string, extra: Record<string, unknown> = {}): Promise<Int16Array> {
  const res = await fetch(`${server.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini-tts', input: text, voice: 'alloy', response_format: 'pcm', ...extra }),
  });
  expect(res.headers.get('content-type')).toBe('application/octet-stream');
  const bytes = new Uint8Array(await res.arrayBuffer());
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

describe('OpenAITTS', () => {
  it.skipIf(!hasEspeak)('decodes odd-sized chunks to exactly the samples the server generated', async () => {
    const text = 'Hello from Earshot. This sentence is long enough to span many chunks.';
    const r = await run(tts({ voice: 'nova', speed: 1.1, instructions: 'cheerful' }).synthesize({ text, signal: new AbortController().signal }));
    expect(r.error).toBeUndefined();
    expect(r.chunks.length).toBeGreaterThan(3);
    // 4801-byte writes: some reads end mid-sample, so some chunks carry a byte over.
    expect(r.chunks.some((c) => c.length !== 2400)).toBe(true);
    const [req] = requests();
    expect(req!.body).toEqual({ model: 'gpt-4o-mini-tts', input: text, voice: 'nova', response_format: 'pcm', speed: 1.1, instructions: 'cheerful' });
    expect(req!.authorization).toBe('Bearer sk-...5678');
    expect(req!.bytesOut % 2).toBe(0);

    server.handler.reset();
    const raw = await rawPcm(text, { voice: 'nova', speed: 1.1 });
    expect(r.samples.length).toBe(raw.length);
    expect(r.samples).toEqual(int16ToFloat32(raw));
    expect(raw.length / 24000).toBeGreaterThan(2); // plausible speech length at 24 kHz
  }, 20_000); // two espeak-ng syntheses: seconds on a loaded 2-core machine, not a timing check

  it('has a 24 kHz sample rate and a label', () => {
    expect(tts().sampleRate).toBe(24000);
    expect(tts({ model: 'tts-1' }).label).toBe('openai:tts-1');
  });

  it('yields nothing for blank text, without a request', async () => {
    expect((await run(tts().synthesize({ text: '  \n', signal: new AbortController().signal }))).chunks).toEqual([]);
    expect(requests()).toHaveLength(0);
  });

  it.skipIf(!hasEspeak)('retries a 503, then streams', async () => {
    script({ fault: { kind: 'status', status: 503, headers: { 'retry-after-ms': 5 } } });
    const r = await run(tts().synthesize({ text: 'Retry me.', signal: new AbortController().signal }));
    expect(r.error).toBeUndefined();
    expect(r.samples.length).toBe((await rawPcm('Retry me.')).length);
    expect(requests().map((e) => e.status)).toEqual([503, 200, 200]);
  });

  it.skipIf(!hasEspeak)('a body cut mid-stream yields the samples received, then provider-protocol', async () => {
    script({ fault: { kind: 'cut', afterBytes: 10001 } });
    const r = await run(tts().synthesize({ text: 'This audio will be cut short by the server.', signal: new AbortController().signal }));
    expect(r.samples.length).toBe(5000); // 10001 bytes: 5000 samples and a dangling byte
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-protocol' });
    const full = int16ToFloat32((await rawPcm('This audio will be cut short by the server.')).subarray(0, 5000));
    expect(r.samples).toEqual(full);
  });

  it.skipIf(!hasEspeak)('an abort mid-stream ends quietly and the server stops pacing', async () => {
    script({ bytesPerSecond: 48000 }); // real time
    const ac = new AbortController();
    let got = 0;
    const r = await run(
      (async function* () {
        for await (const c of tts().synthesize({ text: 'A long sentence that takes a few seconds to speak in real time.', signal: ac.signal })) {
          got += c.length;
          if (got > 4000) ac.abort();
          yield c;
        }
      })(),
    );
    expect(r.error).toBeUndefined();
    let entry: LogEntry | undefined;
    for (let i = 0; i < 100 && !entry?.endedAt; i++) {
      await new Promise((res) => setTimeout(res, 20));
      entry = requests()[0];
    }
    expect(entry).toMatchObject({ aborted: true });
    expect(entry!.endedAt! - entry!.startedAt).toBeLessThan(1500);
  });

  it('reports a missing espeak-ng as provider-server with the reason', async () => {
    const broken = await startProviderServer({ espeakCommand: 'espeak-ng-is-not-here' });
    try {
      const r = await run(new OpenAITTS({ baseURL: `${broken.url}/v1`, maxRetries: 0 }).synthesize({ text: 'Hi.', signal: new AbortController().signal }));
      expect(r.error).toMatchObject({ code: 'provider-server', status: 500 });
      expect((r.error as Error).message).toContain('not installed');
    } finally {
      await broken.close();
    }
  });
});

describe('OpenAITTS.synthesizeTo where no worker runs (Node): the main-thread path', () => {
  /** A stand-in for a MixerStream: records what is pushed to it. */
  const sink = () => {
    const pushed: (Float32Array | 'end')[] = [];
    return { pushed, stream: { id: 7, sourceRate: 24000, push: (s: Float32Array) => pushed.push(s.slice()), end: () => pushed.push('end') } as unknown as import('../../audio/mixer').MixerStream };
  };

  it.skipIf(!hasEspeak)('pushes every sample to the stream itself and yields the same for accounting', async () => {
    const { pushed, stream } = sink();
    const piped = tts().synthesizeTo({ text: 'Ten thirty.', signal: new AbortController().signal }, stream);
    piped.end(); // no audio follows: the stream ends once this request's audio is pushed
    const r = await run(piped);
    expect(r.error).toBeUndefined();
    const expected = int16ToFloat32(await rawPcm('Ten thirty.'));
    expect(r.samples.length).toBe(expected.length);
    expect(pushed.at(-1)).toBe('end');
    expect(pushed.slice(0, -1).reduce((n, c) => n + (c as Float32Array).length, 0)).toBe(expected.length);
    expect(r.samples).toEqual(expected);
  });

  it('maps errors as synthesize does, pushing nothing', async () => {
    script({ fault: { kind: 'status', status: 401 } });
    const { pushed, stream } = sink();
    const r = await run(tts().synthesizeTo({ text: 'Hello.', signal: new AbortController().signal }, stream));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect((r.error as ProviderError).code).toBe('provider-auth');
    expect(pushed).toHaveLength(0);
  });
});
