/**
 * Providers made of providers: `new FallbackLLM([primary, backup])` is an LLM that uses the
 * primary and, when it fails before answering or is slow to start, the backup.
 */

import { ConfigError } from '../errors';
import type { LLM, LLMChunk, LLMRequest, RequestMeta, STT, STTChunk, STTRequest, TTS, TTSRequest } from '../providers/types';
import type { MixerStream } from '../audio/mixer';
import { deliver, relay } from '../providers/tts/delivery';
import type { PipedAudio } from '../providers/tts/tts-pipe';
import { FallbackChain, type FallbackOptions, type ServedReport } from './chain';

const joined = (kind: string, ps: readonly { label: string }[]) => `${kind}(${ps.map((p) => p.label).join(',')})`;

/** A member gets a copy of the request (its own signal): what it tells of it (`meta`) goes back to the caller's, by the first chunk. */
async function* relayMeta<R extends { meta?: RequestMeta; signal: AbortSignal }, T>(outer: R, signal: AbortSignal, open: (request: R) => AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const inner = { ...outer, signal };
  for await (const chunk of open(inner)) {
    if (inner.meta) outer.meta = inner.meta;
    yield chunk;
  }
}

/**
 * An LLM over several LLMs, tried in order. A request moves to the next one when the current
 * one fails retryably or yields nothing within `firstChunkMs`, and only then: once a chunk
 * was yielded, a failure surfaces (the text may already be spoken). A provider that failed
 * waits `cooldownMs` behind the others, then is first again. `lastServed` / `onServed` say
 * which one answered.
 * @example
 * const llm = new FallbackLLM([new AnthropicLLM({ model: 'claude-haiku-4-5', baseURL: '/api/anthropic' }), new OpenAILLM({ model: 'gpt-4o-mini', baseURL: '/api/openai' })],
 *   { firstChunkMs: 3000, onServed: (r) => console.log(`answered by ${r.label}`, r.failures) });
 */
export class FallbackLLM implements LLM {
  /** `fallback(<label>,<label>…)`. */
  readonly label: string;
  /** Every member takes `frames`: whichever answers gets them. */
  readonly vision: boolean;
  readonly #chain: FallbackChain<LLM, LLMRequest>;

  constructor(llms: readonly LLM[], options: FallbackOptions<LLMRequest> = {}) {
    this.#chain = new FallbackChain('FallbackLLM', llms, options);
    this.label = joined('fallback', llms);
    this.vision = llms.every((l) => l.vision === true);
  }

  /** Which LLM served the latest request (undefined before the first). */
  get lastServed(): ServedReport<LLMRequest> | undefined {
    return this.#chain.lastServed;
  }

  chat(request: LLMRequest): AsyncIterable<LLMChunk> {
    return this.#chain.run(request, (llm, signal) => relayMeta(request, signal, (r) => llm.chat(r)));
  }
}

/**
 * A batch STT over several, tried in order, as {@link FallbackLLM}: the utterance is sent to
 * the next one when the current one fails retryably or gives nothing within `firstChunkMs`;
 * once it has yielded a transcript chunk, a failure surfaces.
 */
export class FallbackSTT implements STT {
  /** `fallback(<label>,<label>…)`. */
  readonly label: string;
  readonly #chain: FallbackChain<STT, STTRequest>;

  constructor(stts: readonly STT[], options: FallbackOptions<STTRequest> = {}) {
    this.#chain = new FallbackChain('FallbackSTT', stts, options);
    this.label = joined('fallback', stts);
  }

  /** Which STT served the latest request (undefined before the first). */
  get lastServed(): ServedReport<STTRequest> | undefined {
    return this.#chain.lastServed;
  }

  transcribe(request: STTRequest): AsyncIterable<STTChunk> {
    return this.#chain.run(request, (stt, signal) => relayMeta(request, signal, (r) => stt.transcribe(r)));
  }
}

/**
 * A TTS over several, tried in order, as {@link FallbackLLM}. Once a provider has yielded
 * audio for a request, a failure surfaces: the text is never spoken a second time by another
 * voice. All must yield the same `sampleRate`.
 */
export class FallbackTTS implements TTS {
  /** `fallback(<label>,<label>…)`. */
  readonly label: string;
  /** Hz, shared by all the providers. */
  readonly sampleRate: number;
  readonly #chain: FallbackChain<TTS, TTSRequest>;

  /** @throws ConfigError when the providers' sample rates differ. */
  constructor(ttss: readonly TTS[], options: FallbackOptions<TTSRequest> = {}) {
    this.#chain = new FallbackChain('FallbackTTS', ttss, options);
    this.sampleRate = ttss[0]!.sampleRate;
    const other = ttss.find((t) => t.sampleRate !== this.sampleRate);
    if (other) throw new ConfigError(`FallbackTTS: ${other.label} yields ${other.sampleRate} Hz, ${ttss[0]!.label} ${this.sampleRate} Hz; all must match`);
    this.label = joined('fallback', ttss);
  }

  /** Which TTS served the latest request (undefined before the first). */
  get lastServed(): ServedReport<TTSRequest> | undefined {
    return this.#chain.lastServed;
  }

  synthesize(request: TTSRequest): AsyncIterable<Float32Array> {
    return this.#chain.run(request, (tts, signal) => relayMeta(request, signal, (r) => tts.synthesize(r)));
  }

  /**
   * As {@link synthesize}, each member delivering to `stream` its own way: from the TTS audio
   * worker where it has `synthesizeTo` (a busy main thread cannot starve it), else pushed
   * here. A member given up on never ends the stream; the one that serves does.
   */
  synthesizeTo(request: TTSRequest, stream: MixerStream): PipedAudio {
    return relay(stream, (opened) => this.#chain.run(request, (tts, signal) => relayMeta(request, signal, (r) => opened(deliver(tts, r, stream), r.signal))));
  }

  /** Readies every member that delivers to the mixer itself (loads the audio worker once). */
  prepare(mixer: MixerStream['mixer']): void {
    for (const tts of this.#chain.providers) tts.prepare?.(mixer);
  }
}
