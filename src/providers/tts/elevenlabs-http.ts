/**
 * ElevenLabs `POST /v1/text-to-speech/{voice_id}/stream?output_format=pcm_<rate>`
 * (spec/protocols.md §6.1): one text per request, headerless s16le mono, played as it streams.
 */

import type { MixerStream } from '../../audio/mixer';
import type { TTS, TTSRequest } from '../types';
import type { ElevenLabsPcmRate, ElevenLabsVoiceSettings } from './elevenlabs';
import { fetchPcm, type PcmRequest } from './pcm-fetch';
import { pipePcm, preparePipe, type PipedAudio } from './tts-pipe';

export interface ElevenLabsHTTPTTSOptions {
  voiceId: string;
  /** Default `eleven_flash_v2_5`. */
  modelId?: string;
  /** Hz (`output_format=pcm_<rate>`). Default 24000. */
  sampleRate?: ElevenLabsPcmRate;
  voiceSettings?: ElevenLabsVoiceSettings;
  languageCode?: string;
  /** Default `https://api.elevenlabs.io`. Point it at your proxy in a page (ElevenLabs' CORS is not to be relied on). */
  baseURL?: string;
  /** Sent as `xi-api-key`: server-side use, or a proxy that swaps it. */
  apiKey?: string;
  /** Called per attempt; its token goes as `Authorization: Bearer …` (for your proxy: ElevenLabs has no short-lived HTTP tokens). */
  getToken?: () => Promise<string>;
  /** Default 2. */
  maxRetries?: number;
}

/** ElevenLabs' HTTP streaming TTS: Float32 chunks at `sampleRate`, decoded as the bytes arrive. */
export class ElevenLabsHTTPTTS implements TTS {
  readonly label: string;
  /** Option `voiceId`. */
  readonly voice: string;
  /** Hz of the yielded samples: `sampleRate` option, default 24000. */
  readonly sampleRate: number;
  readonly #o: ElevenLabsHTTPTTSOptions;

  constructor(options: ElevenLabsHTTPTTSOptions) {
    this.#o = options;
    this.sampleRate = options.sampleRate ?? 24000;
    this.label = `elevenlabs:${options.modelId ?? 'eleven_flash_v2_5'}`;
    this.voice = options.voiceId;
  }

  /**
   * Blank text yields nothing, without a request.
   * @throws ProviderError as mapped by fetchWithRetry (401 `provider-auth`, 429, 5xx after
   *   retries); `provider-bad-audio` for a body that is not raw PCM; `provider-protocol` if the
   *   audio breaks off. Aborts end quietly.
   */
  async *synthesize(request: TTSRequest): AsyncGenerator<Float32Array, void, undefined> {
    if (request.text.trim() === '') return;
    yield* fetchPcm(this.#request(request.text), request.signal, (meta) => (request.meta = meta));
  }

  /**
   * As {@link synthesize}, fetched and decoded in a worker that posts the audio straight to
   * `stream`'s mixer worklet (a busy main thread cannot starve it); the main thread where no
   * worker runs.
   */
  synthesizeTo(request: TTSRequest, stream: MixerStream): PipedAudio {
    return pipePcm(request.text.trim() ? this.#request(request.text) : null, stream, request.signal, () => this.synthesize(request), (meta) => (request.meta = meta));
  }

  /** Loads the audio worker once the session's mixer exists, so the first answer does not wait for it. */
  prepare(mixer: MixerStream['mixer']): void {
    preparePipe(mixer);
  }

  #request(text: string): PcmRequest {
    const o = this.#o;
    const base = (o.baseURL ?? 'https://api.elevenlabs.io').replace(/\/+$/, '');
    const body: Record<string, unknown> = { text, model_id: o.modelId ?? 'eleven_flash_v2_5' };
    if (o.voiceSettings) body.voice_settings = o.voiceSettings;
    if (o.languageCode) body.language_code = o.languageCode;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (o.apiKey !== undefined && !o.getToken) headers['xi-api-key'] = o.apiKey;
    return {
      provider: this.label,
      url: `${base}/v1/text-to-speech/${encodeURIComponent(o.voiceId)}/stream?output_format=pcm_${this.sampleRate}`,
      init: { method: 'POST', headers, body: JSON.stringify(body) },
      // Only getToken goes as a bearer; a key travels as xi-api-key above.
      auth: o.getToken ? { getToken: o.getToken } : {},
      ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      expect: `s16le, ${this.sampleRate} Hz; output_format pcm_${this.sampleRate}`,
      model: o.modelId ?? 'eleven_flash_v2_5',
    };
  }
}
