/**
 * ElevenLabs `POST /v1/text-to-speech/{voice_id}/stream?output_format=pcm_<rate>`
 * (spec/protocols.md §6.1): one text per request, headerless s16le mono, played as it streams.
 */

import { PcmS16Decoder } from '../../audio/dsp/pcm16';
import { ProviderError } from '../errors';
import { fetchWithRetry } from '../http';
import type { TTS, TTSRequest } from '../types';
import type { ElevenLabsPcmRate, ElevenLabsVoiceSettings } from './elevenlabs';
import { SNIFF_BYTES, implausiblePcm, nonPcmContentType } from './pcm-check';

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
    const { signal, text } = request;
    if (text.trim() === '') return;
    const o = this.#o;
    const base = (o.baseURL ?? 'https://api.elevenlabs.io').replace(/\/+$/, '');
    const url = `${base}/v1/text-to-speech/${encodeURIComponent(o.voiceId)}/stream?output_format=pcm_${this.sampleRate}`;
    const body: Record<string, unknown> = { text, model_id: o.modelId ?? 'eleven_flash_v2_5' };
    if (o.voiceSettings) body.voice_settings = o.voiceSettings;
    if (o.languageCode) body.language_code = o.languageCode;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (o.apiKey !== undefined && !o.getToken) headers['xi-api-key'] = o.apiKey;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let drained = false;
    try {
      const response = await fetchWithRetry({
        provider: this.label,
        url,
        init: { method: 'POST', headers, body: JSON.stringify(body) },
        signal,
        // Only getToken goes as a bearer; a key travels as xi-api-key above.
        auth: o.getToken ? { getToken: o.getToken } : {},
        ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      });
      if (!response.body) throw new ProviderError('provider-protocol', this.label, 'response has no body');
      const badType = nonPcmContentType(response.headers.get('content-type'));
      if (badType) throw this.#badAudio(`the server sent ${badType}`);
      reader = response.body.getReader();
      const decoder = new PcmS16Decoder();
      let head: Uint8Array | null = new Uint8Array(0);
      for (;;) {
        const { done, value } = await reader.read();
        let bytes = value;
        if (head) {
          if (value) head = concatBytes(head, value);
          if (!done && head.length < SNIFF_BYTES) continue;
          const why = implausiblePcm(head);
          if (why) throw this.#badAudio(why);
          bytes = head;
          head = null;
        }
        if (bytes && bytes.length > 0) {
          const samples = decoder.push(bytes);
          if (samples.length > 0) yield samples;
        }
        if (done) break;
      }
      drained = true;
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ProviderError) throw err;
      throw new ProviderError('provider-protocol', this.label, `audio stream ended early: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      if (reader && !drained) await reader.cancel().catch(() => undefined);
      reader?.releaseLock();
    }
  }

  #badAudio(why: string): ProviderError {
    return new ProviderError('provider-bad-audio', this.label, `expected raw PCM (s16le, ${this.sampleRate} Hz; output_format pcm_${this.sampleRate}), but ${why}`);
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
