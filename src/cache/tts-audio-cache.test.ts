// TTSAudioCache's logic on an in-memory store (the IndexedDB store is proven in the browser:
// e2e/media.spec.ts), with a scripted TTS whose requests are counted.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScriptedTTS } from '../testing/providers';
import type { TTS } from '../providers/types';
import { kit } from '../session/session-test-kit';
import { TTSAudioCache, type AudioCacheStore } from './tts-audio-cache';

/** A Map-backed store; `failing` makes every call reject (IndexedDB unavailable). */
function memoryStore(failing = false): AudioCacheStore & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  const guard = <T>(f: () => T) => (failing ? Promise.reject(new Error('store down')) : Promise.resolve(f()));
  return { map, get: (k) => guard(() => map.get(k)), set: (k, v) => guard(() => void map.set(k, v)), del: (k) => guard(() => void map.delete(k)) };
}

async function collect(tts: TTS, text: string, signal = new AbortController().signal): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const c of tts.synthesize({ text, signal })) parts.push(c.slice());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

const audioKeys = (store: { map: Map<string, unknown> }) => [...store.map.keys()].filter((k) => k.startsWith('audio:'));

afterEach(() => vi.useRealTimers());

describe('TTSAudioCache', () => {
  it('a phrase is synthesized once; then it comes from the cache, the same audio to 16-bit precision', async () => {
    const inner = new ScriptedTTS();
    const cache = new TTSAudioCache(inner, { store: memoryStore() });
    const first = await collect(cache, 'Please hold.');
    const second = await collect(cache, 'Please hold.');
    expect(inner.requests).toEqual(['Please hold.']);
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
    expect(second.length).toBe(first.length);
    expect(Math.max(...second.map((v, i) => Math.abs(v - first[i]!)))).toBeLessThanOrEqual(1 / 32768);
  });

  it('survives a "reload": a new cache on the same store serves the phrase without a request', async () => {
    const store = memoryStore();
    await new TTSAudioCache(new ScriptedTTS(), { store }).preload(['Please hold.', 'One moment.']);
    const inner = new ScriptedTTS();
    const reloaded = new TTSAudioCache(inner, { store });
    expect(await reloaded.has('One moment.')).toBe(true);
    expect((await collect(reloaded, 'One moment.')).length).toBeGreaterThan(0);
    expect(inner.requests).toEqual([]);
  });

  it('keys by label, voice, rate, variant and text: another voice or variant is a miss', async () => {
    const store = memoryStore();
    const voiced = (voice: string, variant?: string) => {
      const inner = Object.assign(new ScriptedTTS(), { voice });
      return { inner, cache: new TTSAudioCache(inner, { store, ...(variant ? { variant } : {}) }) };
    };
    const a = voiced('alloy');
    await collect(a.cache, 'Hi.');
    const b = voiced('nova');
    await collect(b.cache, 'Hi.');
    const c = voiced('alloy', 'speed=1.2');
    await collect(c.cache, 'Hi.');
    const d = voiced('alloy');
    await collect(d.cache, '  Hi. ');
    expect([a.inner.requests.length, b.inner.requests.length, c.inner.requests.length, d.inner.requests.length]).toEqual([1, 1, 1, 0]);
  });

  it('keeps to maxBytes, dropping the least recently used phrase', async () => {
    const store = memoryStore();
    // 60 ms a character at 24 kHz, 2 bytes a sample: "Phrase A." is 9 × 1440 × 2 = 25,920 bytes.
    const inner = new ScriptedTTS();
    const cache = new TTSAudioCache(inner, { store, maxBytes: 60_000 });
    vi.useFakeTimers({ toFake: ['Date'] });
    await collect(cache, 'Phrase A.');
    vi.advanceTimersByTime(1000);
    await collect(cache, 'Phrase B.');
    vi.advanceTimersByTime(1000);
    await collect(cache, 'Phrase A.'); // A is now the more recent
    vi.advanceTimersByTime(1000);
    await collect(cache, 'Phrase C.');
    expect(await cache.has('Phrase A.')).toBe(true);
    expect(await cache.has('Phrase B.')).toBe(false);
    expect(await cache.has('Phrase C.')).toBe(true);
    expect(audioKeys(store)).toHaveLength(2);
    expect(inner.requests).toEqual(['Phrase A.', 'Phrase B.', 'Phrase C.']);
  });

  it('stores only whole phrases: not an aborted one, a failed one, or one whose reader stopped', async () => {
    const store = memoryStore();
    const inner = new ScriptedTTS({ script: (req) => (req.text === 'Broken.' ? { error: { code: 'provider-server' }, failAfterMs: 100 } : {}) });
    const cache = new TTSAudioCache(inner, { store });
    const ac = new AbortController();
    for await (const _ of cache.synthesize({ text: 'Aborted.', signal: ac.signal })) ac.abort();
    await expect(collect(cache, 'Broken.')).rejects.toMatchObject({ code: 'provider-server' });
    for await (const _ of cache.synthesize({ text: 'Stopped early.', signal: new AbortController().signal })) break;
    expect(audioKeys(store)).toEqual([]);
    expect(await cache.has('Aborted.')).toBe(false);
  });

  it('preload synthesizes what is missing, skips what is cached, and rejects with the first failure after trying all', async () => {
    const store = memoryStore();
    const inner = new ScriptedTTS({ script: (req) => (req.text === 'Bad.' ? { error: { code: 'provider-auth' } } : {}) });
    const cache = new TTSAudioCache(inner, { store });
    await cache.preload(['One.']);
    await expect(cache.preload(['One.', 'Bad.', 'Two.'])).rejects.toMatchObject({ code: 'provider-auth' });
    expect(inner.requests).toEqual(['One.', 'Bad.', 'Two.']);
    expect(await cache.has('Two.')).toBe(true);
  });

  it('a store that fails never fails speech: the phrase is synthesized each time', async () => {
    const inner = new ScriptedTTS();
    const cache = new TTSAudioCache(inner, { store: memoryStore(true) });
    expect((await collect(cache, 'Still here.')).length).toBeGreaterThan(0);
    expect((await collect(cache, 'Still here.')).length).toBeGreaterThan(0);
    expect(inner.requests).toHaveLength(2);
  });

  it('passes stream() through (uncached) only when the wrapped TTS has it; checks its options', () => {
    expect(new TTSAudioCache(new ScriptedTTS(), { store: memoryStore() }).stream).toBeUndefined();
    const streaming: TTS = { label: 's', sampleRate: 16000, synthesize: async function* () {}, stream: async function* () {} };
    expect(typeof new TTSAudioCache(streaming, { store: memoryStore() }).stream).toBe('function');
    expect(() => new TTSAudioCache(streaming, { maxBytes: 0 })).toThrow(expect.objectContaining({ code: 'config-invalid' }));
  });

  it('in a session: a phrase said twice makes one TTS request and plays twice', async () => {
    vi.useFakeTimers();
    const inner = new ScriptedTTS();
    const k = kit({ tts: new TTSAudioCache(inner, { store: memoryStore() }) });
    await k.session.start();
    const one = k.session.say('Please hold.');
    await k.until(() => one.done);
    const heard = k.audio.played().length;
    const two = k.session.say('Please hold.');
    await k.until(() => two.done);
    expect(inner.requests).toEqual(['Please hold.']);
    expect(k.history()).toEqual(['assistant: Please hold.', 'assistant: Please hold.']);
    // The second one was audible too.
    const after = k.audio.played().subarray(heard);
    expect(Math.max(...after.map(Math.abs))).toBeGreaterThan(0.05);
    await k.session.close();
  });
});

describe('TTSAudioCache without IndexedDB (Node)', () => {
  it('the default store fails quietly: phrases are synthesized every time', async () => {
    const inner = new ScriptedTTS();
    const cache = new TTSAudioCache(inner);
    await collect(cache, 'Hello.');
    await collect(cache, 'Hello.');
    expect(inner.requests).toEqual(['Hello.', 'Hello.']);
  });
});
