/**
 * Cartesia text to speech over `wss://api.cartesia.ai/tts/websocket` (spec/protocols.md §8):
 * one socket for many utterances, each a `context_id`; text streams in as requests with
 * `continue: true`, one with `continue: false` ends it, `{"context_id", "cancel": true}` stops it.
 * Audio is raw `pcm_s16le` or `pcm_f32le`, base64 in `{"type":"chunk"}` frames; word
 * timestamps (`add_timestamps`) tell how much text the delivered audio covers.
 */

import { ProviderError, type ProviderErrorCode } from '../errors';
import { base64Bytes, socketURL, type SocketTTSOptions, type TTSFrame, type TTSWire } from './socket-link';
import { SocketTTS } from './socket-utterance';

export interface CartesiaTTSOptions extends SocketTTSOptions {
  /** The voice id (`voice: {mode: "id", id}`). */
  voiceId: string;
  /** Default `sonic-3`. */
  modelId?: string;
  /** Hz: 8000, 16000, 22050, 24000, 44100 or 48000. Default 24000. */
  sampleRate?: 8000 | 16000 | 22050 | 24000 | 44100 | 48000;
  /** Raw sample format on the wire. Default `pcm_s16le` (half the bytes of f32). */
  encoding?: 'pcm_s16le' | 'pcm_f32le';
  /** e.g. `en`. Default `en`. */
  language?: string;
  /** `generation_config` as Cartesia takes it (`speed`, `volume`, `emotion`). */
  generationConfig?: Record<string, unknown>;
  /** ms the server may wait for more text before it speaks what it has (`max_buffer_delay_ms`). */
  maxBufferDelayMs?: number;
  /** `Cartesia-Version`, sent as `cartesia_version`. Default `2025-11-04`. */
  version?: string;
  /** Default `wss://api.cartesia.ai`; `http(s)://` becomes `ws(s)://`, a relative URL resolves against the page (a proxy). */
  baseURL?: string;
  /** An access token (`POST /access-token` with `grants.tts` on your server), sent as `?access_token=`. Called for every connection. The page-safe choice. */
  getToken?: () => Promise<string>;
  /** Sent as `?api_key=` (visible in the URL): server-side use only. */
  apiKey?: string;
}

function statusCode(status: number | undefined): ProviderErrorCode {
  if (status === 401 || status === 403) return 'provider-auth';
  if (status === 402) return 'provider-quota';
  if (status === 429) return 'provider-rate-limited';
  if (status !== undefined && status >= 500) return 'provider-server';
  return 'provider-bad-request';
}

class CartesiaWire implements TTSWire {
  readonly label: string;
  readonly #o: CartesiaTTSOptions;
  readonly #request: Record<string, unknown>;

  constructor(o: CartesiaTTSOptions, label: string, rate: number) {
    this.#o = o;
    this.label = label;
    // Every request of a context must repeat these unchanged.
    this.#request = {
      model_id: o.modelId ?? 'sonic-3',
      voice: { mode: 'id', id: o.voiceId },
      output_format: { container: 'raw', encoding: o.encoding ?? 'pcm_s16le', sample_rate: rate },
      language: o.language ?? 'en',
      add_timestamps: true,
      ...(o.generationConfig ? { generation_config: o.generationConfig } : {}),
      ...(o.maxBufferDelayMs !== undefined ? { max_buffer_delay_ms: o.maxBufferDelayMs } : {}),
    };
  }

  url(credential: { token?: string; apiKey?: string }): string {
    return socketURL(this.#o.baseURL ?? 'wss://api.cartesia.ai', '/tts/websocket', {
      cartesia_version: this.#o.version ?? '2025-11-04',
      access_token: credential.token,
      api_key: credential.apiKey,
    });
  }

  text(context_id: string, transcript: string, _first: boolean, last: boolean): object[] {
    return [{ ...this.#request, context_id, transcript, continue: !last }];
  }

  cancel(context_id: string): object {
    return { context_id, cancel: true };
  }

  parse(msg: Record<string, unknown>): TTSFrame[] {
    const context = typeof msg.context_id === 'string' ? msg.context_id : undefined;
    const type = msg.type;
    if (type === 'error') {
      const status = typeof msg.status_code === 'number' ? msg.status_code : undefined;
      const text = [msg.title, msg.message, msg.error].filter((x) => typeof x === 'string' && x).join(': ') || 'unknown error';
      const code = statusCode(status);
      const error = new ProviderError(code, this.label, `server error${status ? ` ${status}` : ''}: ${text}`, { ...(status ? { status } : {}), retryable: code === 'provider-rate-limited' || code === 'provider-server' });
      return [{ kind: 'error', error, ...(context !== undefined ? { context } : {}) }];
    }
    if (context === undefined) return type === 'chunk' ? [] : [{ kind: 'ignore' }];
    if (type === 'chunk') {
      if (typeof msg.data !== 'string') throw new ProviderError('provider-protocol', this.label, 'a chunk without data');
      let bytes: Uint8Array;
      try {
        bytes = base64Bytes(msg.data);
      } catch {
        throw new ProviderError('provider-protocol', this.label, 'audio that is not base64');
      }
      return [{ kind: 'audio', context, bytes }];
    }
    if (type === 'timestamps') {
      const ends = (msg.word_timestamps as { end?: unknown } | undefined)?.end;
      return Array.isArray(ends) ? [{ kind: 'words', context, ends: ends.filter((x): x is number => typeof x === 'number') }] : [];
    }
    if (type === 'done') return [{ kind: 'final', context }];
    return [{ kind: 'ignore' }]; // flush_done, phoneme_timestamps, …
  }
}

/**
 * Cartesia TTS over its WebSocket: the socket stays open across utterances (closed after
 * `idleCloseMs` unused), `stream()` takes LLM text as it is generated (`continue`), abort
 * sends `cancel`. A socket that drops mid-utterance is replaced and the text not yet spoken
 * (known from the word timestamps) goes out in a new context.
 */
export class CartesiaTTS extends SocketTTS {
  readonly label: string;
  /** Option `voiceId`. */
  readonly voice: string;
  /** Hz of the yielded samples: `sampleRate` option, default 24000. */
  readonly sampleRate: number;
  protected readonly encoding: 's16' | 'f32';
  protected readonly wire: TTSWire;
  protected readonly options: CartesiaTTSOptions;

  constructor(options: CartesiaTTSOptions) {
    super();
    this.options = options;
    this.sampleRate = options.sampleRate ?? 24000;
    this.encoding = options.encoding === 'pcm_f32le' ? 'f32' : 's16';
    this.label = `cartesia:${options.modelId ?? 'sonic-3'}`;
    this.voice = options.voiceId;
    this.wire = new CartesiaWire(options, this.label, this.sampleRate);
  }
}
