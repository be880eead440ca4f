/**
 * Messages between the main thread and the TTS audio worker (tts-pipe.worker.ts), which
 * fetches and decodes PCM TTS, speaks a socket TTS's utterances on its own socket, or holds
 * a realtime model's socket, and posts the samples straight to the mixer worklet.
 */
import type { PcmRequest } from './pcm-fetch';
import type { RequestMeta } from '../types';
import type { RealtimeEvent } from '../realtime/realtime-socket';

/** A serialized ProviderError. */
export interface PipeError {
  code: string;
  message: string;
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
  requestId?: string;
}

/**
 * A socket TTS's link as the worker builds it: the vendor's wire and the serializable part
 * of its options (functions cannot cross; `token`: the main thread has `getToken`, asked for
 * each connection with a `token` event).
 */
export interface SocketLinkConfig {
  vendor: 'elevenlabs' | 'cartesia';
  label: string;
  /** Hz of the audio asked for. */
  rate: number;
  encoding: 's16' | 'f32';
  options: Record<string, unknown>;
  token: boolean;
}

/** Main → worker. */
export type PipeCommand =
  /** A port to a mixer worklet (`Mixer.openPort()`), known as `mixer` in later jobs. */
  | { type: 'port'; mixer: number; port: MessagePort }
  /** Fetch `request`, push its audio to stream `stream` (bus `voice`, at `rate` Hz) of mixer `mixer`. */
  | { type: 'job'; job: number; mixer: number; stream: number; rate: number; request: PcmRequest }
  | { type: 'abort'; job: number }
  /** No audio follows this job: end the mixer stream once its audio is posted. */
  | { type: 'end'; job: number }
  /**
   * End stream `stream` of mixer `mixer` (its jobs are done): sent through the worker so the
   * end reaches the worklet after the audio the worker posted (two ports are not ordered).
   */
  | { type: 'end-stream'; mixer: number; stream: number }
  /** A socket TTS utterance (on link `link`, made from `config` if new) whose text follows in `text` commands. */
  | { type: 'say'; job: number; mixer: number; stream: number; rate: number; link: number; config: SocketLinkConfig }
  | { type: 'text'; job: number; text: string }
  /** The utterance's text is complete; `error`: its source failed. */
  | { type: 'text-end'; job: number; error?: string }
  /** The answer to a `token` event: getToken()'s token, or its failure. */
  | { type: 'token'; link: number; request: number; token?: string; error?: string }
  /** Closes link `link`'s socket now (`SocketTTS.close()`). */
  | { type: 'close-link'; link: number }
  | RealtimeCommand;

/**
 * Main → worker, for a realtime model's socket (realtime/piped-socket.ts), `link` its id. The
 * model's audio of an item is held in the worker until `rt-play` names its mixer stream (or
 * `rt-drop` says it is not played), then goes straight to the mixer.
 */
export type RealtimeCommand =
  | { type: 'rt-open'; link: number; url: string; key: string; label: string; connectTimeoutMs: number }
  /** A client event, serialized in the worker. */
  | { type: 'rt-send'; link: number; event: { type: string } & Record<string, unknown> }
  /** Mono 24 kHz mic samples for the input buffer (encoded in the worker). */
  | { type: 'rt-append'; link: number; samples: Float32Array }
  | { type: 'rt-play'; link: number; item: string; mixer: number; stream: number; rate: number }
  | { type: 'rt-drop'; link: number; item: string }
  | { type: 'rt-close'; link: number };

/** Worker → main. `audio`: the samples also posted to the mixer, for accounting. */
export type PipeEvent =
  | { type: 'audio'; job: number; samples: Float32Array }
  /** The response began (before its audio). */
  | { type: 'meta'; job: number; meta: RequestMeta }
  | { type: 'done'; job: number }
  | { type: 'error'; job: number; error: PipeError }
  /** Link `job` opens a socket: the main thread answers with getToken()'s token (`request` pairs them). */
  | { type: 'token'; job: number; request: number }
  /** Realtime link `job`'s socket is open, or failed to open (`error`). */
  | { type: 'rt-open'; job: number; error?: PipeError }
  /** A server event of realtime link `job` (an `audio` event's samples: a copy, for accounting). */
  | { type: 'rt-event'; job: number; event: PipedRealtimeEvent }
  /** Realtime link `job`'s events ended: closed, or the socket failed (`error`). */
  | { type: 'rt-end'; job: number; error?: PipeError };

/** A {@link RealtimeEvent} as it crosses from the worker (its error serialized). */
export type PipedRealtimeEvent = Exclude<RealtimeEvent, { type: 'error' }> | { type: 'error'; error: PipeError; eventId?: string };
