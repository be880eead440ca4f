import { AssetLoadError } from '../errors';
import type { VadOptions } from './options';
import type { SegmenterEvent } from './segmenter';

/** Loads ORT and a model in a worker (the VAD's, Smart Turn's). */
export interface OrtLoadCommand {
  type: 'load';
  /** Absolute URLs (toolchain P1). */
  modelUrl: string;
  ortGlueUrl: string;
  ortWasmUrl: string;
  /** Keep the model bytes in IndexedDB between page loads. */
  cacheModel: boolean;
}

/** A worker's failure as it crosses to the main thread (an AssetLoadError keeps its URL, status and content type). */
export interface WorkerErrorEvent<C extends string> {
  type: 'error';
  code: 'asset-load-failed' | C;
  message: string;
  url?: string;
  status?: number;
  contentType?: string | null;
}

/** Turns an error inside a worker into its event; anything but an AssetLoadError gets `code`. */
export function workerError<C extends string>(err: unknown, code: C): WorkerErrorEvent<C> {
  if (err instanceof AssetLoadError) {
    return {
      type: 'error', code: 'asset-load-failed', message: err.message, url: err.url,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.contentType !== undefined ? { contentType: err.contentType } : {}),
    };
  }
  return { type: 'error', code, message: err instanceof Error ? err.message : String(err) };
}

/**
 * Main thread → VAD worker. One worker per page serves every SileroVAD: `load` once,
 * then one stream per started SileroVAD, each with its own frames port and state.
 */
export type VadWorkerCommand =
  | OrtLoadCommand
  | {
      type: 'open';
      stream: number;
      options: VadOptions;
      /** Frames from the capture worklet arrive here, not through the main thread. */
      frames: MessagePort;
      /** Post every frame back as `audio` from the first one (a later `tap` could miss frames queued on `frames`). */
      tap: boolean;
    }
  | { type: 'configure'; stream: number; options: VadOptions }
  | { type: 'reset'; stream: number }
  /** On: every frame of the stream is also posted back as `audio` (for a streaming STT). */
  | { type: 'tap'; stream: number; on: boolean }
  | { type: 'close'; stream: number }
  /** Release ORT and end the worker. */
  | { type: 'shutdown' };

export type VadAsset = 'model' | 'wasm';

export type VadErrorEvent = WorkerErrorEvent<'vad-failed'>;

/** VAD worker → main thread. Events with `stream` belong to that stream. */
export type VadWorkerEvent =
  | { type: 'progress'; asset: VadAsset; loaded: number; total: number | null; cached: boolean }
  /** The model is loaded. Times in ms, since the worker started. */
  | { type: 'loaded'; loadMs: number; phases: Record<string, number> }
  /** Loading failed: every stream fails with it. */
  | VadErrorEvent
  | ({ stream: number } & (
      | (SegmenterEvent & { inferenceMs?: number; runMs?: number })
      | VadErrorEvent
      /** A tapped frame as it arrived (before inference). `at`: audio time of its start, s. */
      | { type: 'audio'; at: number; samples: Float32Array }
      | { type: 'closed' }
    ));
