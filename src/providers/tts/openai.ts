/**
 * `POST /v1/audio/speech` with `response_format: "pcm"` (spec/protocols.md §3.1): headerless
 * s16le mono 24 kHz, played as it streams in.
 */

import { PcmS16Decoder } from '../../audio/dsp/pcm16';
import { ProviderError } from '../errors';
import { fetchWithRetry } from '../http';
import { SNIFF_BYTES, implausiblePcm, nonPcmContentType } from './pcm-check';
import type { ProviderAuth, TTS, TTSRequest } from '../types';

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
    const { signal, text } = request;
    if (text.trim() === '') return;
    const o = this.options;
    const body: Record<string, unknown> = { model: this.model, input: text, voice: o.voice ?? 'alloy', response_format: 'pcm' };
    if (o.speed !== undefined) body.speed = o.speed;
    if (o.instructions !== undefined) body.instructions = o.instructions;

    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let drained = false;
    try {
      const response = await fetchWithRetry({
        provider: this.label,
        url: `${(o.baseURL ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/audio/speech`,
        init: { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/octet-stream' }, body: JSON.stringify(body) },
        signal,
        auth: o,
        ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      });
      if (!response.body) throw new ProviderError('provider-protocol', this.label, 'response has no body');
      const badType = nonPcmContentType(response.headers.get('content-type'));
      if (badType) throw this.badAudio(`the server sent ${badType}`, response);
      reader = response.body.getReader();
      const decoder = new PcmS16Decoder();
      // The first bytes are held until they can be judged, so noise is never played.
      let head: Uint8Array | null = new Uint8Array(0);
      for (;;) {
        const { done, value } = await reader.read();
        let bytes = value;
        if (head) {
          if (value) head = concatBytes(head, value);
          if (!done && head.length < SNIFF_BYTES) continue;
          const why = implausiblePcm(head);
          if (why) throw this.badAudio(why, response);
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
      // Stopped early (break, abort, error): cancel so fetch drops the connection.
      if (reader && !drained) await reader.cancel().catch(() => undefined);
      reader?.releaseLock();
    }
  }

  private badAudio(why: string, response: Response): ProviderError {
    const id = response.headers.get('x-request-id');
    return new ProviderError('provider-bad-audio', this.label, `expected raw PCM (s16le, 24 kHz; response_format "pcm"), but ${why}`, id ? { requestId: id } : {});
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
