import type { VadOptions } from './options';
import type { SegmenterEvent } from './segmenter';

/** Main thread → VAD worker. */
export type VadWorkerCommand =
  | {
      type: 'init';
      /** Absolute URLs (toolchain P1). */
      modelUrl: string;
      ortGlueUrl: string;
      ortWasmUrl: string;
      options: VadOptions;
      /** Keep the model bytes in IndexedDB between page loads. */
      cacheModel: boolean;
      /** Frames from the capture worklet arrive here, not through the main thread. */
      frames: MessagePort;
    }
  | { type: 'configure'; options: VadOptions }
  | { type: 'reset' }
  | { type: 'close' };

export type VadAsset = 'model' | 'wasm';

/** VAD worker → main thread. */
export type VadWorkerEvent =
  | { type: 'progress'; asset: VadAsset; loaded: number; total: number | null; cached: boolean }
  | { type: 'ready'; loadMs: number }
  | (SegmenterEvent & { inferenceMs?: number })
  | { type: 'error'; code: 'asset-load-failed' | 'vad-failed'; message: string; url?: string; status?: number }
  | { type: 'closed' };
