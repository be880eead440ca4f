/**
 * `POST /v1/audio/speech` with `response_format: "pcm"` (spec/protocols.md §3.1): headerless
 * s16le mono 24 kHz, played as it streams in.
 */

import type { MixerStream } from '../../audio/mixer';
import type { ProviderAuth, TTS, TTSRequest } from '../types';
import { fetchPcm, type PcmRequest } from './pcm-fetch';
import { pipePcm, preparePipe, type PipedAudio } from './tts-pipe';

export interface OpenAITTSOptions extends ProviderAuth {
  /** Default `gpt-4o-mini-tts`. */
  model?: string;
  /** Default `alloy`. */
  voice?: string;
  /** 0.25–4, default 1 (server side). */
  speed?: number;
  /** Style prompt (gpt-4o-mini-tts only; tts-1 rejects it). */
  instructions?: string;
  /** Default `https://api.openai.com/v1`. */
  baseURL?: string;
  /** Default 2. */
  maxRetries?: number;
}

/** Streams speech as Float32 chunks at 24 kHz, decoded as the bytes arrive. */
export class OpenAITTS implements TTS {
  readonly label: string;
  /** Hz: OpenAI's `pcm` is fixed at 24 kHz. */
  readonly sampleRate = 24000;
  /** Option `voice` (default `alloy`). */
  readonly voice: string;
  private readonly options: OpenAITTSOptions;
  private readonly model: string;

  constructor(options: OpenAITTSOptions = {}) {
    this.options = options;
    this.model = options.model ?? 'gpt-4o-mini-tts';
    this.label = `openai:${this.model}`;
    this.voice = options.voice ?? 'alloy';
  }

  /**
   * Yields each network read as samples in [-1, 1) (a read that ends mid-sample carries its odd
   * byte to the next). Empty or whitespace-only text yields nothing (the API would answer 400).
   * @throws ProviderError as mapped by fetchWithRetry; `provider-bad-audio` (before any sample)
   *   for a body that is not raw PCM (an `audio/mpeg` content type, a container signature,
   *   noise-like first bytes); `provider-protocol` if the audio stream breaks off after the
   *   samples already yielded. Aborts end quietly.
   */
  async *synthesize(request: TTSRequest): AsyncGenerator<Float32Array, void, undefined> {
    if (request.text.trim() === '') return;
    yield* fetchPcm(this.request(request.text), request.signal, (meta) => (request.meta = meta));
  }

  /**
   * As {@link synthesize}, fetched and decoded in a worker that posts the audio straight to
   * `stream`'s mixer worklet (a busy main thread cannot starve it); the main thread where no
   * worker runs.
   */
  synthesizeTo(request: TTSRequest, stream: MixerStream): PipedAudio {
    return pipePcm(request.text.trim() ? this.request(request.text) : null, stream, request.signal, () => this.synthesize(request), (meta) => (request.meta = meta));
  }

  /** Loads the audio worker once the session's mixer exists, so the first answer does not wait for it. */
  prepare(mixer: MixerStream['mixer']): void {
    preparePipe(mixer);
  }

  private request(text: string): PcmRequest {
    const o = this.options;
    const body: Record<string, unknown> = { model: this.model, input: text, voice: o.voice ?? 'alloy', response_format: 'pcm' };
    if (o.speed !== undefined) body.speed = o.speed;
    if (o.instructions !== undefined) body.instructions = o.instructions;
    return {
      provider: this.label,
      url: `${(o.baseURL ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/audio/speech`,
      init: { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/octet-stream' }, body: JSON.stringify(body) },
      auth: { ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}), ...(o.getToken ? { getToken: o.getToken } : {}) },
      ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      expect: 's16le, 24 kHz; response_format "pcm"',
      model: this.model,
    };
  }
}
