/**
 * Cartesia text to speech over `wss://api.cartesia.ai/tts/websocket` (spec/protocols.md §8):
 * one socket for many utterances, each a `context_id`; text streams in as requests with
 * `continue: true`, one with `continue: false` ends it, `{"context_id", "cancel": true}` stops it.
 * Audio is raw `pcm_s16le` or `pcm_f32le`, base64 in `{"type":"chunk"}` frames; word
 * timestamps (`add_timestamps`) tell how much text the delivered audio covers.
 */

import { CartesiaWire } from './cartesia-wire';
import type { SocketTTSOptions, TTSWire } from './socket-link';
import { SocketTTS } from './socket-tts';

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
  protected readonly vendor = 'cartesia';
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
