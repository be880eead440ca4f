// Wrapped TTS delivering to the mixer themselves (issue 9): FallbackTTS and TTSAudioCache pass
// `synthesizeTo` on to a member that has it (the worker path in a browser), push a member's
// `synthesize` themselves otherwise, and end the stream exactly once, after the audio of the
// member that served: never from a member given up on, whose successor still delivers.
import { describe, expect, it } from 'vitest';
import type { MixerStream } from '../../audio/mixer';
import { TTSAudioCache, type AudioCacheStore } from '../../cache/tts-audio-cache';
import { FallbackTTS } from '../../fallback/providers';
import { ScriptedTTS, type ScriptedTTSOptions } from '../../testing/providers';
import type { TTSRequest } from '../types';
import { pushed } from './delivery';

/** A stand-in for a MixerStream: what reached it, in order ('end' once it ended). */
function sink() {
  const got: (Float32Array | 'end')[] = [];
  const stream = { id: 1, sourceRate: 24000, push: (s: Float32Array) => got.push(s.slice()), end: () => got.push('end') } as unknown as MixerStream;
  return { got, stream, samples: () => got.filter((g): g is Float32Array => g !== 'end').reduce((n, g) => n + g.length, 0), ends: () => got.filter((g) => g === 'end').length };
}

/** A ScriptedTTS that delivers to the stream itself, as a provider with the audio worker does. */
class DeliveringTTS extends ScriptedTTS {
  direct = 0;
  constructor(options: ScriptedTTSOptions = {}) {
    super(options);
  }
  synthesizeTo(request: TTSRequest, stream: MixerStream) {
    this.direct++;
    return pushed(this.synthesize(request), stream);
  }
}

async function drain(it: AsyncIterable<Float32Array>): Promise<{ samples: number; error?: unknown }> {
  let samples = 0;
  try {
    for await (const c of it) samples += c.length;
    return { samples };
  } catch (error) {
    return { samples, error };
  }
}

const request = (text: string): TTSRequest => ({ text, signal: new AbortController().signal });
const FAIL = { error: { code: 'provider-server' as const, status: 503 } };

describe('FallbackTTS.synthesizeTo', () => {
  it('the primary fails before any audio: the backup delivers it itself; the stream ends once, after its audio', async () => {
    const primary = new DeliveringTTS({ label: 'a', script: [FAIL] });
    const backup = new DeliveringTTS({ label: 'b' });
    const { got, stream, samples, ends } = sink();
    const piped = new FallbackTTS([primary, backup]).synthesizeTo(request('Ten thirty.'), stream);
    piped.end(); // as the session does when this is the last request: before any audio
    const r = await drain(piped);
    expect(r.error).toBeUndefined();
    expect([primary.direct, backup.direct]).toEqual([1, 1]);
    expect(samples()).toBe(backup.voiceFor('Ten thirty.').length);
    expect(r.samples).toBe(samples());
    expect(ends()).toBe(1);
    expect(got.at(-1)).toBe('end');
  });

  it('a member without synthesizeTo is pushed from here, ended once', async () => {
    const primary = new DeliveringTTS({ label: 'a', script: [FAIL] });
    const backup = new ScriptedTTS({ label: 'b' });
    const { got, stream, samples, ends } = sink();
    const piped = new FallbackTTS([primary, backup]).synthesizeTo(request('Hello there.'), stream);
    const r = await drain(piped);
    expect(ends()).toBe(0); // not ended yet: more requests may follow
    piped.end();
    expect(r.samples).toBe(backup.voiceFor('Hello there.').length);
    expect(samples()).toBe(r.samples);
    expect(ends()).toBe(1);
    expect(got.at(-1)).toBe('end');
  });

  it('a member too slow to start is given up on without ending the stream its successor fills', async () => {
    const slow = new DeliveringTTS({ label: 'slow', script: [{ delayMs: 300 }] });
    const backup = new DeliveringTTS({ label: 'b' });
    const { got, stream, samples, ends } = sink();
    const piped = new FallbackTTS([slow, backup], { firstChunkMs: 50 }).synthesizeTo(request('One moment.'), stream);
    piped.end();
    const r = await drain(piped);
    await new Promise((res) => setTimeout(res, 350)); // past the slow one's own delay
    expect(r.error).toBeUndefined();
    expect(samples()).toBe(backup.voiceFor('One moment.').length);
    expect(ends()).toBe(1);
    expect(got.at(-1)).toBe('end');
  });

  it('all members fail: the error surfaces, and the stream still ends (once)', async () => {
    const a = new DeliveringTTS({ label: 'a', script: [FAIL] });
    const b = new ScriptedTTS({ label: 'b', script: [FAIL] });
    const { stream, samples, ends } = sink();
    const piped = new FallbackTTS([a, b]).synthesizeTo(request('Hi.'), stream);
    piped.end();
    const r = await drain(piped);
    expect(r.error).toMatchObject({ code: 'provider-server' });
    expect(samples()).toBe(0);
    expect(ends()).toBe(1);
  });

  it('prepare() readies every member that has it', () => {
    const seen: string[] = [];
    const a = Object.assign(new ScriptedTTS({ label: 'a' }), { prepare: () => void seen.push('a') });
    const b = new ScriptedTTS({ label: 'b' });
    new FallbackTTS([a, b]).prepare({} as MixerStream['mixer']);
    expect(seen).toEqual(['a']);
  });
});

describe('TTSAudioCache.synthesizeTo', () => {
  const memoryStore = (): AudioCacheStore => {
    const map = new Map<string, unknown>();
    return { get: async (k) => map.get(k), set: async (k, v) => void map.set(k, v), del: async (k) => void map.delete(k) };
  };

  it('a miss is delivered by the wrapped TTS itself and stored; a hit is pushed from the cache, no request', async () => {
    const inner = new DeliveringTTS();
    const cache = new TTSAudioCache(inner, { store: memoryStore() });
    const first = sink();
    const a = cache.synthesizeTo(request('Please hold.'), first.stream);
    a.end();
    const ra = await drain(a);
    const second = sink();
    const b = cache.synthesizeTo(request('Please hold.'), second.stream);
    b.end();
    const rb = await drain(b);
    expect(inner.direct).toBe(1);
    expect(inner.requests).toEqual(['Please hold.']);
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
    expect(ra.samples).toBe(inner.voiceFor('Please hold.').length);
    expect(rb.samples).toBe(ra.samples);
    expect([first.samples(), second.samples()]).toEqual([ra.samples, rb.samples]);
    expect([first.ends(), second.ends()]).toEqual([1, 1]);
  });

  it('passes input streaming and prepare() through', () => {
    const seen: string[] = [];
    const inner = Object.assign(new ScriptedTTS(), {
      stream: () => (async function* () {})(),
      streamTo: () => Object.assign((async function* () {})(), { end: () => void seen.push('end') }),
      prepare: () => void seen.push('prepare'),
    });
    const cache = new TTSAudioCache(inner, { store: memoryStore() });
    expect(typeof cache.streamTo).toBe('function');
    cache.prepare({} as MixerStream['mixer']);
    cache.streamTo!({ text: (async function* () {})(), signal: new AbortController().signal }, sink().stream).end?.();
    expect(seen).toEqual(['prepare', 'end']);
  });
});
