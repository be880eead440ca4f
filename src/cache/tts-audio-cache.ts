import { createStore, del, get, set } from 'idb-keyval';
import { ConfigError } from '../errors';
import { isAbortError } from '../providers/errors';
import type { MixerStream } from '../audio/mixer';
import { float32ToInt16, int16ToFloat32 } from '../audio/dsp/pcm16';
import type { TTS, TTSRequest, TTSStreamRequest } from '../providers/types';
import { pushed, relay } from '../providers/tts/delivery';
import type { PipedAudio } from '../providers/tts/tts-pipe';

/** Where cached audio lives: idb-keyval's shape, so any key-value store can stand in. */
export interface AudioCacheStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
}

export interface TTSAudioCacheOptions {
  /** Bytes of audio (16-bit samples) kept in the store; least recently used phrases go first. Default 16 MiB. */
  maxBytes?: number;
  /** Bytes kept in memory too, for hits without a store read. Default 4 MiB. */
  memoryBytes?: number;
  /** IndexedDB database of the default store (one cache per name). Default `earshot-tts-cache`. */
  name?: string;
  /** A store of your own instead of IndexedDB (e.g. a Map-backed one in tests). */
  store?: AudioCacheStore;
  /** Extra key part for settings that change the audio besides the TTS's label and voice (speed, style). */
  variant?: string;
}

/** One stored phrase: 16-bit samples (half the bytes of float) at `sampleRate`. */
interface Entry {
  pcm: ArrayBuffer;
  sampleRate: number;
}

/** [key, bytes, last used (epoch ms)]: the LRU index, stored beside the entries. */
type IndexRow = [string, number, number];

const INDEX_KEY = 'index';
/** Samples yielded per chunk on a hit (1 s at 24 kHz): the speech paces by chunk. */
const HIT_CHUNK = 24_000;

/**
 * A TTS that remembers what it said: whole phrases synthesized by the wrapped TTS are kept in
 * IndexedDB (idb-keyval), keyed by the TTS's label (provider and model), voice, sample rate,
 * `variant` and the exact text, with a byte cap (least recently used go first). A cached
 * phrase costs no TTS request and plays at once; it survives a reload.
 *
 * `new Pipeline({ tts: new TTSAudioCache(new OpenAITTS()) })`, then `await cache.preload(['Please hold…'])`.
 *
 * What is stored: only phrases whose synthesis the wrapper saw end normally (not aborted, not
 * failed, read to the end). `synthesize()` is cached: `say()`, and every sentence of an
 * answer when the TTS has no `stream()`. A TTS with `stream()` (socket input streaming)
 * keeps it, uncached: the answer's text streams as one context, so no sentence is ever whole
 * on its own there; `say()` still goes through `synthesize()` and the cache. A store failure
 * (private mode, quota) never fails speech: the phrase is synthesized as if uncached.
 */
export class TTSAudioCache implements TTS {
  readonly tts: TTS;
  readonly label: string;
  readonly sampleRate: number;
  readonly voice: string | undefined;
  /** Uncached input streaming of the wrapped TTS, when it has it. */
  readonly stream?: (request: TTSStreamRequest) => AsyncIterable<Float32Array>;
  /** The same, delivered by the wrapped TTS itself, when it can. */
  readonly streamTo?: (request: TTSStreamRequest, stream: MixerStream) => AsyncIterable<Float32Array> & { end?(): void };
  /** Phrases served from the cache / synthesized, since construction. */
  hits = 0;
  misses = 0;
  readonly #maxBytes: number;
  readonly #memoryBytes: number;
  readonly #variant: string;
  readonly #store: AudioCacheStore;
  readonly #memory = new Map<string, Entry>();
  #index: Promise<Map<string, IndexRow>> | null = null;

  constructor(tts: TTS, options: TTSAudioCacheOptions = {}) {
    const { maxBytes = 16 << 20, memoryBytes = 4 << 20 } = options;
    if (!(maxBytes > 0) || !(memoryBytes >= 0)) throw new ConfigError('TTSAudioCache: maxBytes must be > 0 and memoryBytes ≥ 0');
    this.tts = tts;
    this.label = tts.label;
    this.sampleRate = tts.sampleRate;
    this.voice = tts.voice;
    if (tts.stream) this.stream = (request) => tts.stream!(request);
    if (tts.streamTo) this.streamTo = (request, stream) => tts.streamTo!(request, stream);
    this.#maxBytes = maxBytes;
    this.#memoryBytes = memoryBytes;
    this.#variant = options.variant ?? '';
    this.#store = options.store ?? idbStore(options.name ?? 'earshot-tts-cache');
    // Open the store and read the index now, not on the first phrase.
    void this.#index_();
  }

  /** The cache key of `text` for this TTS. */
  key(text: string): string {
    return JSON.stringify([this.tts.label, this.tts.voice ?? '', this.tts.sampleRate, this.#variant, text.trim()]);
  }

  /** True if `text` is cached (in memory or in the store). */
  async has(text: string): Promise<boolean> {
    return (await this.#index_()).has(this.key(text));
  }

  /** Cached audio at once, else the wrapped TTS's, stored once it has all come. */
  synthesize(request: TTSRequest): AsyncGenerator<Float32Array, void, undefined> {
    return this.#serve(request, played, () => this.tts.synthesize(request));
  }

  /**
   * As {@link synthesize}, delivered to `stream`: a miss by the wrapped TTS's own
   * `synthesizeTo` where it has one (from the TTS audio worker, which a busy main thread
   * cannot starve), stored as it comes; a hit pushed from here (no network to wait on).
   */
  synthesizeTo(request: TTSRequest, stream: MixerStream): PipedAudio {
    const to = this.tts.synthesizeTo;
    if (!to) return pushed(this.synthesize(request), stream);
    const { signal } = request;
    return relay(stream, (opened) =>
      this.#serve(request, (hit) => opened(pushed(played(hit), stream), signal), () => opened(to.call(this.tts, request, stream), signal)),
    );
  }

  /** Readies the wrapped TTS when it delivers to the mixer itself (loads its audio worker). */
  prepare(mixer: MixerStream['mixer']): void {
    this.tts.prepare?.(mixer);
  }

  /** `hit`'s audio for a cached phrase, else `miss`'s, stored once it has all come (not when aborted: short). */
  async *#serve(request: TTSRequest, hit: (entry: Entry) => AsyncIterable<Float32Array>, miss: () => AsyncIterable<Float32Array>): AsyncGenerator<Float32Array, void, undefined> {
    const { text, signal } = request;
    if (!text.trim()) return;
    const key = this.key(text);
    const found = await this.#lookup(key);
    if (signal.aborted) return;
    if (found) {
      this.hits++;
      return yield* hit(found);
    }
    this.misses++;
    const parts: Int16Array[] = [];
    for await (const chunk of miss()) {
      // A copy before the consumer sees the chunk: it may transfer the buffer to the audio thread.
      parts.push(float32ToInt16(chunk));
      yield chunk;
    }
    if (!signal.aborted) await this.#put(key, parts).catch(() => undefined);
  }

  /**
   * Synthesizes each text not cached yet (one at a time), and loads the cached ones into
   * memory, so they play at once (a hit read from IndexedDB instead takes a few ms more). Call
   * it on start, also after a reload: cached phrases cost no request. Rejects with the first
   * failure after trying them all.
   */
  async preload(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = options.signal ?? new AbortController().signal;
    let failure: unknown;
    for (const text of new Set(texts)) {
      if (signal.aborted) return;
      try {
        if (await this.#lookup(this.key(text))) continue;
        for await (const _ of this.synthesize({ text, signal })) void _;
      } catch (error) {
        if (!isAbortError(error)) failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Forgets every phrase of this cache's store. */
  async clear(): Promise<void> {
    const index = await this.#index_();
    this.#memory.clear();
    await Promise.all([...index.keys()].map((k) => this.#store.del(entryKey(k))));
    index.clear();
    await this.#store.set(INDEX_KEY, []);
  }

  #index_(): Promise<Map<string, IndexRow>> {
    // Through then(): a store that throws synchronously (no IndexedDB) fails like one that rejects.
    this.#index ??= Promise.resolve(INDEX_KEY).then((k) => this.#store.get(k)).then(
      (rows) => new Map(Array.isArray(rows) ? (rows as IndexRow[]).map((r) => [r[0], r]) : []),
      () => new Map(),
    );
    return this.#index;
  }

  async #lookup(key: string): Promise<Entry | null> {
    const index = await this.#index_();
    const row = index.get(key);
    if (!row) return null;
    let entry = this.#memory.get(key) ?? null;
    if (!entry) {
      const stored = (await Promise.resolve(entryKey(key)).then((k) => this.#store.get(k)).catch(() => undefined)) as Entry | undefined;
      if (!stored || !(stored.pcm instanceof ArrayBuffer)) {
        index.delete(key); // listed but gone (cleared elsewhere): a miss
        return null;
      }
      entry = stored;
    }
    row[2] = Date.now();
    this.#remember(key, entry);
    void this.#saveIndex(index);
    return entry;
  }

  async #put(key: string, parts: Int16Array[]): Promise<void> {
    const length = parts.reduce((n, p) => n + p.length, 0);
    const bytes = length * 2;
    if (length === 0 || bytes > this.#maxBytes) return;
    const pcm = new Int16Array(length);
    let at = 0;
    for (const p of parts) pcm.set(p, (at += p.length) - p.length);
    const entry: Entry = { pcm: pcm.buffer, sampleRate: this.tts.sampleRate };
    this.#remember(key, entry);
    const index = await this.#index_();
    await this.#store.set(entryKey(key), entry);
    index.set(key, [key, bytes, Date.now()]);
    // Least recently used first, until the rest fits.
    let total = [...index.values()].reduce((n, r) => n + r[1], 0);
    for (const [k, size] of [...index.values()].sort((a, b) => a[2] - b[2])) {
      if (total <= this.#maxBytes) break;
      if (k === key) continue;
      index.delete(k);
      this.#memory.delete(k);
      total -= size;
      await this.#store.del(entryKey(k));
    }
    await this.#saveIndex(index);
  }

  /** Keeps `entry` in memory as the most recent, dropping the oldest past `memoryBytes`. */
  #remember(key: string, entry: Entry): void {
    this.#memory.delete(key);
    this.#memory.set(key, entry);
    let total = 0;
    for (const e of this.#memory.values()) total += e.pcm.byteLength;
    for (const [k, e] of this.#memory) {
      if (total <= this.#memoryBytes) break;
      this.#memory.delete(k);
      total -= e.pcm.byteLength;
    }
  }

  #saveIndex(index: Map<string, IndexRow>): Promise<void> {
    return this.#store.set(INDEX_KEY, [...index.values()]).catch(() => undefined);
  }
}

const entryKey = (key: string) => `audio:${key}`;

/** A cached phrase's samples, in chunks of {@link HIT_CHUNK}. */
async function* played(hit: Entry): AsyncGenerator<Float32Array, void, undefined> {
  const samples = new Int16Array(hit.pcm);
  for (let i = 0; i < samples.length; i += HIT_CHUNK) yield int16ToFloat32(samples.subarray(i, i + HIT_CHUNK));
}

/** idb-keyval in database `name` (object store `audio`), opened on first use. */
function idbStore(name: string): AudioCacheStore {
  let store: ReturnType<typeof createStore> | null = null;
  const s = () => (store ??= createStore(name, 'audio'));
  return { get: (k) => get(k, s()), set: (k, v) => set(k, v, s()), del: (k) => del(k, s()) };
}
