// Capture processor: downmix, resample to `targetRate`, cut fixed frames and post them,
// with buffers transferred, either to a connected port (the VAD worker, which hands each
// frame's buffer back for reuse) or to node.port. It only moves data; the DSP is
// src/audio/dsp/capture-core.ts (with the DTMF and beep detectors, when asked for). Nothing
// here allocates per render quantum.
import { CaptureCore } from '../src/audio/dsp/capture-core';
import type { Level } from '../src/audio/dsp/level';
import { CAPTURE_PROCESSOR, type CaptureCommand, type CaptureOptions, type DetectedBeep, type DetectedDigit } from '../src/audio/worklet-protocol';

const NO_CHANNELS: Float32Array[] = [];

class CaptureProcessor extends AudioWorkletProcessor {
  readonly #core: CaptureCore;
  #out: WorkletPort = this.port;
  #index = 0;
  #started = false;
  #running = true;
  // Messages and callbacks made once: postMessage copies what it is given.
  readonly #frameMsg: { type: 'frame'; index: number; samples: Float32Array | null } = { type: 'frame', index: 0, samples: null };
  readonly #transfer: unknown[] = [null];
  readonly #levelMsg = { type: 'level', rms: 0, peak: 0, contextFrame: 0 };
  readonly #onFrame = (samples: Float32Array<ArrayBuffer>) => {
    this.#frameMsg.index = this.#index++;
    this.#frameMsg.samples = samples;
    this.#transfer[0] = samples.buffer;
    this.#out.postMessage(this.#frameMsg, this.#transfer);
    this.#frameMsg.samples = null;
    this.#transfer[0] = null;
  };
  readonly #onLevel = (level: Level) => {
    this.#levelMsg.rms = level.rms;
    this.#levelMsg.peak = level.peak;
    this.#levelMsg.contextFrame = currentFrame;
    this.port.postMessage(this.#levelMsg);
  };
  readonly #onDetect = (e: DetectedDigit | DetectedBeep) => this.port.postMessage(e);

  constructor(options: { processorOptions?: CaptureOptions }) {
    super();
    const o = options.processorOptions!;
    this.#core = new CaptureCore(sampleRate, o.targetRate, o.frameSize, o.levelIntervalMs, o.detectors);
    this.port.onmessage = (e: { data: CaptureCommand }) => {
      if (e.data.type === 'connect') {
        const port = e.data.port;
        this.#out = port;
        // The VAD worker sends each frame's buffer back once it has copied it.
        port.onmessage = (m: { data: { type?: string; samples?: Float32Array<ArrayBuffer> } }) => {
          if (m.data.type === 'recycle' && m.data.samples) this.#core.recycle(m.data.samples);
        };
      } else if (e.data.type === 'stop') this.#running = false;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (!this.#running) return false;
    if (!this.#started) {
      this.#started = true;
      this.port.postMessage({ type: 'started', contextFrame: currentFrame });
    }
    // By context frame: quanta that never came count as silence (see CaptureCore.processAt).
    this.#core.processAt(currentFrame, inputs[0] ?? NO_CHANNELS, this.#onFrame, this.#onLevel, this.#onDetect);
    return true;
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
