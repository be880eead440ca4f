/**
 * `POST /v1/audio/transcriptions` (spec/protocols.md §3.2) on one VAD-segmented utterance.
 */

import { encodeWav } from '../../audio/dsp/wav-encode';
import { ProviderError } from '../errors';
import { fetchWithRetry, responseMeta } from '../http';
import { readServerSentEvents } from '../sse';
import type { ProviderAuth, STT, STTChunk, STTRequest } from '../types';

export interface OpenAISTTOptions extends ProviderAuth {
  /** Default `gpt-4o-mini-transcribe`; `whisper-1` and look-alikes' names work too. */
  model?: string;
  /** Default `https://api.openai.com/v1`. */
  baseURL?: string;
  /** ISO-639-1 default; a request's `language` wins. */
  language?: string;
  /** Vocabulary/style hint passed to the model. */
  prompt?: string;
  /** Ask for SSE `transcript.text.delta` events (gpt-4o transcribe models; whisper-1 ignores it). */
  stream?: boolean;
  /** Default 2. */
  maxRetries?: number;
}

/** Uploads the utterance as a 16-bit WAV; yields `delta`s when streaming, then one `final`. */
export class OpenAISTT implements STT {
  readonly label: string;
  private readonly options: OpenAISTTOptions;
  private readonly model: string;

  constructor(options: OpenAISTTOptions = {}) {
    this.options = options;
    this.model = options.model ?? 'gpt-4o-mini-transcribe';
    this.label = `openai:${this.model}`;
  }

  /**
   * @throws ProviderError as mapped by fetchWithRetry; `provider-protocol` for a body that is not
   *   a transcription or a stream that ends before `transcript.text.done`. Aborts end quietly.
   */
  async *transcribe(request: STTRequest): AsyncGenerator<STTChunk, void, undefined> {
    const { signal } = request;
    const o = this.options;
    const form = new FormData();
    // 16-bit PCM halves the upload against float32 and is the format every server decodes.
    form.append('file', new Blob([encodeWav(request.audio, request.sampleRate)], { type: 'audio/wav' }), 'utterance.wav');
    form.append('model', this.model);
    form.append('response_format', 'json');
    const language = request.language ?? o.language;
    if (language) form.append('language', language);
    if (o.prompt) form.append('prompt', o.prompt);
    if (o.stream !== undefined) form.append('stream', String(o.stream));

    try {
      const response = await fetchWithRetry({
        provider: this.label,
        url: `${(o.baseURL ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/audio/transcriptions`,
        // No content-type header: fetch writes multipart/form-data with its boundary.
        init: { method: 'POST', body: form },
        signal,
        auth: o,
        ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      });
      request.meta = responseMeta(response, this.model);
      // A server may ignore `stream` (whisper-1 does), so trust the content-type, not the option.
      if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        yield* this.readStream(response, signal);
        return;
      }
      const json = (await response.json().catch(() => null)) as { text?: unknown } | null;
      if (typeof json?.text !== 'string') throw new ProviderError('provider-protocol', this.label, 'response has no `text`');
      yield { type: 'final', text: json.text.trim() }; // whisper often adds a leading space
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ProviderError) throw err;
      throw new ProviderError('provider-protocol', this.label, `transcription failed while reading: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  private async *readStream(response: Response, signal: AbortSignal): AsyncGenerator<STTChunk, void, undefined> {
    let text = '';
    for await (const ev of readServerSentEvents(response, signal)) {
      if (ev.data === '[DONE]') break;
      let json: { type?: unknown; delta?: unknown; text?: unknown; error?: { message?: unknown } };
      try {
        json = JSON.parse(ev.data) as typeof json;
      } catch {
        throw new ProviderError('provider-protocol', this.label, `invalid JSON in stream: ${ev.data.slice(0, 80)}`);
      }
      if (ev.event === 'error' || json.type === 'error' || json.error !== undefined) {
        const message = typeof json.error?.message === 'string' ? json.error.message : 'error event in stream';
        throw new ProviderError('provider-server', this.label, `error in stream: ${message}`);
      }
      if (json.type === 'transcript.text.delta' && typeof json.delta === 'string') {
        text += json.delta;
        yield { type: 'delta', text: json.delta };
      } else if (json.type === 'transcript.text.done') {
        yield { type: 'final', text: (typeof json.text === 'string' ? json.text : text).trim() };
        return;
      }
    }
    if (signal.aborted) return;
    throw new ProviderError('provider-protocol', this.label, 'stream ended early (no transcript.text.done)');
  }
}
