import type { CaptureDetector, DetectedBeep, DetectedDigit } from '../worklet-protocol';
import { BeepDetector } from './beep';
import { DTMFDetector } from './dtmf';
import { Framer } from './framer';
import { LevelMeter, type Level } from './level';
import { downmixToMono } from './pcm';
import { StreamResampler } from './resampler';

/** Frames kept for reuse at most: a consumer that returns them faster does not grow it. */
const POOL_MAX = 8;
/** No input channels: a quantum of silence. */
const NO_CHANNELS: readonly Float32Array[] = [];
/**
 * Longest gap in the context clock filled with silence, frames (10 s at 48 kHz). A
 * suspended context does not advance currentFrame, so a longer one is a bug elsewhere.
 */
const MAX_GAP_FRAMES = 480_000;

/**
 * The capture worklet's signal path, free of Web Audio so it runs in Node tests: downmix,
 * resample to the target rate, cut fixed frames, meter the input. Nothing is allocated
 * per render quantum; each frame's array comes from a pool of frames the consumer gave
 * back with {@link recycle} (the VAD worker does), or is new when the pool is empty.
 */
export class CaptureCore {
  readonly #resampler: StreamResampler;
  readonly #framer: Framer;
  readonly #meter: LevelMeter | null;
  /** A fixed stack (pop/push on an array can shrink and regrow its storage). */
  readonly #pool: (Float32Array<ArrayBuffer> | null)[] = new Array<Float32Array<ArrayBuffer> | null>(POOL_MAX).fill(null);
  #pooled = 0;
  readonly #frameSize: number;
  #mono = new Float32Array(128);
  #silence = new Float32Array(128);
  #resampled: Float32Array;
  /** Frames allocated because the pool was empty. */
  framesAllocated = 0;
  /** The context frame the next quantum should start at (-1: none processed yet). */
  #nextFrame = -1;
  /** Context frames counted as silence because their quanta never came. */
  gapFrames = 0;
  readonly #dtmf: DTMFDetector | null;
  readonly #beep: BeepDetector | null;
  // Detections are reported in these objects, reused (read them at once, as the level).
  readonly #digit: DetectedDigit = { type: 'dtmf', digit: '', sample: 0 };
  readonly #beeped: DetectedBeep = { type: 'beep', sample: 0, durationMs: 0, hz: 0 };
  #onDetect: ((e: DetectedDigit | DetectedBeep) => void) | null = null;
  readonly #dtmfFound = (digit: string, at: number) => {
    this.#digit.digit = digit;
    this.#digit.sample = at;
    this.#onDetect?.(this.#digit);
  };
  readonly #beepFound = (endedAt: number, durationMs: number, hz: number) => {
    this.#beeped.sample = endedAt;
    this.#beeped.durationMs = durationMs;
    this.#beeped.hz = hz;
    this.#onDetect?.(this.#beeped);
  };

  /** `detectors`: tone detectors run on the resampled audio (DTMF keys, voicemail beeps). */
  constructor(inputRate: number, targetRate: number, frameSize: number, levelIntervalMs: number, detectors: readonly CaptureDetector[] = []) {
    this.#frameSize = frameSize;
    this.#dtmf = detectors.includes('dtmf') ? new DTMFDetector(targetRate) : null;
    this.#beep = detectors.includes('beep') ? new BeepDetector(targetRate) : null;
    this.#resampler = new StreamResampler(inputRate, targetRate);
    this.#resampled = new Float32Array(this.#resampler.maxOutputFor(128));
    this.#framer = new Framer(frameSize, () => this.#takeFrame());
    this.#meter = levelIntervalMs > 0 ? new LevelMeter(inputRate, levelIntervalMs) : null;
  }

  /**
   * Processes one render quantum. `onFrame` gets each completed frame (the callee owns
   * it: transfer it, then hand it back with {@link recycle} when done); `onLevel` gets
   * the input level when one is due (the object is reused: read it at once); `onDetect`
   * each DTMF key and beep the detectors found (reused too).
   */
  process(
    channels: readonly Float32Array[],
    onFrame: (frame: Float32Array<ArrayBuffer>) => void,
    onLevel: (level: Level) => void,
    onDetect?: (e: DetectedDigit | DetectedBeep) => void,
  ): void {
    // No channels while the source is (re)connecting: count silence so audio time stays continuous.
    const n = channels.length === 0 ? this.#silence.length : channels[0]!.length;
    if (channels.length === 0 && this.#silence.length !== n) this.#silence = new Float32Array(n);
    if (this.#mono.length !== n) this.#mono = new Float32Array(n); // only if the quantum size changes
    const block = channels.length === 0 ? this.#silence : channels.length === 1 ? channels[0]! : downmixToMono(channels, this.#mono);
    if (this.#meter) {
      const level = this.#meter.push(block);
      if (level) onLevel(level);
    }
    const need = this.#resampler.maxOutputFor(block.length);
    if (this.#resampled.length < need) this.#resampled = new Float32Array(need);
    const count = this.#resampler.processInto(block, this.#resampled);
    this.#onDetect = onDetect ?? null;
    this.#dtmf?.push(this.#resampled, this.#dtmfFound, count);
    this.#beep?.push(this.#resampled, this.#beepFound, count);
    this.#framer.push(this.#resampled, onFrame, count);
  }

  /**
   * {@link process} for the quantum that starts at context frame `frame`. Audio time is
   * the count of samples processed, so quanta that never reach the processor would put
   * every later frame that far behind the context clock (the output's, which the echo
   * gate matches mic frames against): they are counted as silence first. Seen in headless
   * Chromium 156 (no upstream bug found): a capture node created in the first ~100 ms of a
   * context had its first quantum, then `currentFrame` jumped 50–130 ms.
   */
  processAt(
    frame: number,
    channels: readonly Float32Array[],
    onFrame: (frame: Float32Array<ArrayBuffer>) => void,
    onLevel: (level: Level) => void,
    onDetect?: (e: DetectedDigit | DetectedBeep) => void,
  ): void {
    const gap = this.#nextFrame < 0 ? 0 : frame - this.#nextFrame;
    if (gap > 0 && gap <= MAX_GAP_FRAMES) {
      this.gapFrames += gap;
      for (let filled = 0; filled < gap; filled += this.#silence.length) this.process(NO_CHANNELS, onFrame, onLevel, onDetect);
    }
    this.process(channels, onFrame, onLevel, onDetect);
    this.#nextFrame = frame + (channels[0]?.length ?? this.#silence.length);
  }

  /** Takes back a frame the consumer is done with (a transferred-back array), for reuse. */
  recycle(frame: Float32Array<ArrayBuffer>): void {
    if (frame.length >= this.#frameSize && this.#pooled < POOL_MAX) this.#pool[this.#pooled++] = frame;
  }

  #takeFrame(): Float32Array<ArrayBuffer> {
    const frame = this.#pooled > 0 ? this.#pool[--this.#pooled]! : null;
    if (frame) this.#pool[this.#pooled] = null;
    if (frame) return frame.length === this.#frameSize ? frame : new Float32Array(frame.buffer, 0, this.#frameSize);
    this.framesAllocated++;
    return new Float32Array(this.#frameSize);
  }
}
