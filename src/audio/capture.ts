import type { EventHub } from '../events';
import type { AudioEngineEvents } from './engine';
import type { CaptureEvent, DetectedBeep, DetectedDigit } from './worklet-protocol';

/** A block of tapped audio at the context rate; `frame` is the context frame of samples[0]. */
export interface TappedBlock {
  frame: number;
  samples: Float32Array;
}

/** Emits a detector's message as an engine event (its sample count at `rate` as audio time, s). */
export function emitDetection(e: DetectedDigit | DetectedBeep, rate: number, hub: Pick<EventHub<AudioEngineEvents>, 'emit'>): void {
  if (e.type === 'dtmf') hub.emit('dtmf_detected', { digit: e.digit, at: e.sample / rate });
  else hub.emit('beep_detected', { at: e.sample / rate, durationSec: e.durationMs / 1000, hz: e.hz });
}

/**
 * Wires a capture worklet node's port: the `started` message anchors audio time to the
 * context clock, levels go to `onLevel`, and frames (when no worker port is connected)
 * to `onFrame` with their context frame.
 */
export function listenToCapture(
  node: AudioWorkletNode,
  frameSize: number,
  handlers: {
    onLevel?: (rms: number, peak: number, contextFrame: number) => void;
    onFrame?: (block: TappedBlock) => void;
    onDetect?: (e: DetectedDigit | DetectedBeep) => void;
  },
): { readonly startFrame: Promise<number> } {
  let resolveStart!: (frame: number) => void;
  const startFrame = new Promise<number>((r) => (resolveStart = r));
  let origin = -1;
  node.port.onmessage = (e: MessageEvent<CaptureEvent>) => {
    const m = e.data;
    if (m.type === 'started') {
      origin = m.contextFrame;
      resolveStart(origin);
    } else if (m.type === 'level') handlers.onLevel?.(m.rms, m.peak, m.contextFrame);
    else if (m.type === 'frame') handlers.onFrame?.({ frame: origin + m.index * frameSize, samples: m.samples });
    else handlers.onDetect?.(m);
  };
  return { startFrame };
}
