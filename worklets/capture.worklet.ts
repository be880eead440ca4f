// Capture processor: downmix, resample to `targetRate`, cut fixed frames and post them,
// with buffers transferred, either to a connected port (the VAD worker) or to node.port.
// It only moves data; the DSP lives in src/audio/dsp/.
import { Framer } from '../src/audio/dsp/framer';
import { LevelMeter } from '../src/audio/dsp/level';
import { downmixToMono } from '../src/audio/dsp/pcm';
import { StreamResampler } from '../src/audio/dsp/resampler';
import { CAPTURE_PROCESSOR, type CaptureCommand, type CaptureOptions } from '../src/audio/worklet-protocol';

class CaptureProcessor extends AudioWorkletProcessor {
  readonly #resampler: StreamResampler;
  readonly #framer: Framer;
  readonly #meter: LevelMeter | null;
  readonly #mono = new Float32Array(128);
  readonly #silence = new Float32Array(128);
  #out: WorkletPort = this.port;
  #index = 0;
  #started = false;
  #running = true;

  constructor(options: { processorOptions?: CaptureOptions }) {
    super();
    const o = options.processorOptions!;
    this.#resampler = new StreamResampler(sampleRate, o.targetRate);
    this.#framer = new Framer(o.frameSize);
    this.#meter = o.levelIntervalMs > 0 ? new LevelMeter(sampleRate, o.levelIntervalMs) : null;
    this.port.onmessage = (e: { data: CaptureCommand }) => {
      if (e.data.type === 'connect') this.#out = e.data.port;
      else if (e.data.type === 'stop') this.#running = false;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (!this.#running) return false;
    if (!this.#started) {
      this.#started = true;
      this.port.postMessage({ type: 'started', contextFrame: currentFrame });
    }
    // No channels while the source is (re)connecting: count silence so audio time stays continuous.
    const channels = inputs[0] ?? [];
    const block = channels.length === 0 ? this.#silence : channels.length === 1 ? channels[0]! : downmixToMono(channels, this.#mono);
    if (this.#meter) {
      const level = this.#meter.push(block);
      if (level) this.port.postMessage({ type: 'level', rms: level.rms, peak: level.peak, contextFrame: currentFrame });
    }
    this.#framer.push(this.#resampler.process(block), (samples) => {
      this.#out.postMessage({ type: 'frame', index: this.#index++, samples }, [samples.buffer]);
    });
    return true;
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
