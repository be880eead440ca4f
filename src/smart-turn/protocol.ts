import type { OrtLoadCommand, WorkerErrorEvent } from '../vad/protocol';
import type { SmartTurnOutput } from './features';

/** Main thread → Smart Turn worker. */
export type SmartTurnCommand =
  | (OrtLoadCommand & { output: SmartTurnOutput })
  /** 16 kHz mono audio (its buffer is transferred). */
  | { type: 'predict'; id: number; audio: Float32Array<ArrayBuffer> }
  /** The caller gave up on `id`: skip it if it has not run yet. */
  | { type: 'cancel'; id: number };

export type SmartTurnErrorEvent = WorkerErrorEvent<'turn-detector-failed'> & {
  /** The prediction that failed; absent when loading failed. */
  id?: number;
};

/** Smart Turn worker → main thread. */
export type SmartTurnEvent =
  | { type: 'progress'; asset: 'model' | 'wasm'; loaded: number; total: number | null; cached: boolean }
  /** The model is ready. `loadMs` since the worker started. */
  | { type: 'loaded'; loadMs: number }
  /** P(turn complete) for prediction `id`; `featuresMs` and `runMs` are what it cost. */
  | { type: 'result'; id: number; probability: number; featuresMs: number; runMs: number }
  | SmartTurnErrorEvent;
