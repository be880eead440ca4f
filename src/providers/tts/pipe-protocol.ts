/**
 * Messages between the main thread and the TTS audio worker (tts-pipe.worker.ts), which
 * fetches and decodes PCM TTS and posts the samples straight to the mixer worklet.
 */
import type { PcmRequest } from './pcm-fetch';
import type { RequestMeta } from '../types';

/** A serialized ProviderError. */
export interface PipeError {
  code: string;
  message: string;
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
  requestId?: string;
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
  | { type: 'end-stream'; mixer: number; stream: number };

/** Worker → main. `audio`: the samples also posted to the mixer, for accounting. */
export type PipeEvent =
  | { type: 'audio'; job: number; samples: Float32Array }
  /** The response began (before its audio). */
  | { type: 'meta'; job: number; meta: RequestMeta }
  | { type: 'done'; job: number }
  | { type: 'error'; job: number; error: PipeError };
