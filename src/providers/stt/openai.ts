/**
 * `POST /v1/audio/transcriptions` (spec/protocols.md §3.2) on one VAD-segmented utterance.
 */

import { wavPcm16Bytes, writeWavPcm16 } from '../../audio/dsp/wav-encode';
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
    const fields: [string, string][] = [['model', this.model], ['response_format', 'json']];
    const language = request.language ?? o.language;
    if (language) fields.push(['language', language]);
    if (o.prompt) fields.push(['prompt', o.prompt]);
    if (o.stream !== undefined) fields.push(['stream', String(o.stream)]);
    const upload = formWithWav(request.audio, request.sampleRate, fields);

    try {
      const response = await fetchWithRetry({
        provider: this.label,
        url: `${(o.baseURL ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/audio/transcriptions`,
        init: { method: 'POST', headers: { 'content-type': upload.contentType }, body: upload.body },
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

/**
 * The upload as `multipart/form-data`, built by hand: the utterance as a 16-bit WAV file (half
 * the bytes of float32, and the format every server decodes) first, then `fields`. FormData
 * needs the file as a Blob, and making that Blob (a copy into the browser's blob store) plus
 * a separate WAV encoding cost ~7 ms of every turn's critical path (bench figure 1); here the
 * samples are written once, in place. The file goes first so its samples start at an even
 * byte offset (written through an Int16Array).
 * @internal exported for its test
 */
export function formWithWav(audio: Float32Array, sampleRate: number, fields: readonly [string, string][]): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const text = new TextEncoder();
  let boundary = `earshot-${Math.random().toString(36).slice(2).padEnd(12, '0').slice(0, 12)}`;
  const fileHead = (b: string) => `--${b}\r\nContent-Disposition: form-data; name="file"; filename="utterance.wav"\r\nContent-Type: audio/wav\r\n\r\n`;
  if ((fileHead(boundary).length + 44) % 2) boundary += '0';
  const head = text.encode(fileHead(boundary));
  const tail = text.encode(`${fields.map(([name, value]) => `\r\n--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}`).join('')}\r\n--${boundary}--\r\n`);
  const wavBytes = wavPcm16Bytes(audio.length);
  const body = new Uint8Array(head.length + wavBytes + tail.length);
  body.set(head);
  writeWavPcm16(body, head.length, audio, sampleRate);
  body.set(tail, head.length + wavBytes);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
