// Answering-machine beep detection: a steady single tone (one frequency carrying nearly all
// the energy, its pitch and level constant) lasting 0.3–1.5 s. Pure and free of allocation
// after construction, so the capture worklet runs it beside the DTMF detector.

/** Thresholds of {@link BeepDetector}. */
export interface BeepDetectorOptions {
  /** Lowest and highest beep pitch, Hz. Defaults 400 and 2000. */
  minHz?: number;
  maxHz?: number;
  /** Shortest and longest beep, s. Defaults 0.3 and 1.5 (longer is a dial or busy tone, or music). */
  minSec?: number;
  maxSec?: number;
  /** Least level, dBFS (sine amplitude). Default −40. */
  minDb?: number;
  /** Least share of the energy the tone must carry (0–1). Default 0.8. */
  minShare?: number;
}

/** Analysis block, ms: 20 ms gives 50 Hz bins; the search steps half a bin. */
const BLOCK_MS = 20;
/** Pitch may wander this much (relative) and the level this much (dB) inside one beep. */
const PITCH_TOLERANCE = 0.02;
const LEVEL_TOLERANCE_DB = 3;

/**
 * Finds beeps in a stream of mono samples and reports each when it ends (the moment to
 * start speaking after a voicemail greeting).
 *
 * ```ts
 * const beeps = new BeepDetector(16000);
 * beeps.push(samples, (at, durationMs, hz) => console.log(`${durationMs} ms beep of ${hz} Hz ended at sample ${at}`));
 * ```
 */
export class BeepDetector {
  readonly sampleRate: number;
  readonly #n: number;
  readonly #block: Float32Array;
  #fill = 0;
  /** Samples pushed so far. */
  #t = 0;
  /** Search grid: cos/sin-free Goertzel coefficients, half a bin apart. */
  readonly #freqs: Float64Array;
  readonly #coefs: Float64Array;
  readonly #minPower: number;
  readonly #share: number;
  readonly #minBlocks: number;
  readonly #maxBlocks: number;
  /** The tone being followed: its first pitch, mean power (dB), blocks, and where it began. */
  #pitch = 0;
  #levelDb = 0;
  #blocks = 0;
  #startedAt = 0;
  /** One block may fail inside a beep (a click): not two. */
  #missed = false;

  constructor(sampleRate: number, options: BeepDetectorOptions = {}) {
    this.sampleRate = sampleRate;
    this.#n = Math.round((sampleRate * BLOCK_MS) / 1000);
    this.#block = new Float32Array(this.#n);
    const lo = options.minHz ?? 400;
    const hi = Math.min(options.maxHz ?? 2000, sampleRate / 2 - 100);
    const step = sampleRate / this.#n / 2;
    const count = Math.max(1, Math.floor((hi - lo) / step) + 1);
    this.#freqs = new Float64Array(count);
    this.#coefs = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      this.#freqs[i] = lo + i * step;
      this.#coefs[i] = 2 * Math.cos((2 * Math.PI * this.#freqs[i]!) / sampleRate);
    }
    const amp = 10 ** ((options.minDb ?? -40) / 20);
    this.#minPower = ((amp * this.#n) / 2) ** 2;
    this.#share = options.minShare ?? 0.8;
    this.#minBlocks = Math.round(((options.minSec ?? 0.3) * 1000) / BLOCK_MS);
    this.#maxBlocks = Math.round(((options.maxSec ?? 1.5) * 1000) / BLOCK_MS);
  }

  /**
   * Feeds `count` samples of `samples` (default all). `onBeep` gets each beep once it ended:
   * the index of the sample where it ended, its length (ms) and pitch (Hz, rounded): integers,
   * so that reporting one makes no garbage on the audio thread.
   */
  push(samples: ArrayLike<number>, onBeep: (endedAt: number, durationMs: number, hz: number) => void, count = samples.length): void {
    for (let i = 0; i < count; i++) {
      this.#block[this.#fill++] = samples[i]!;
      this.#t++;
      if (this.#fill === this.#n) {
        this.#fill = 0;
        this.#analyse(onBeep);
      }
    }
  }

  #analyse(onBeep: (endedAt: number, durationMs: number, hz: number) => void): void {
    const x = this.#block;
    let energy = 0;
    for (let i = 0; i < this.#n; i++) energy += x[i]! * x[i]!;
    // The strongest grid frequency, then refined by a parabola through its neighbours.
    let best = 0;
    let bestPower = -1;
    let before = 0;
    let after = 0;
    let previous = 0;
    for (let k = 0; k < this.#freqs.length; k++) {
      const p = this.#power(this.#coefs[k]!);
      if (p > bestPower) {
        bestPower = p;
        best = k;
        before = previous;
        after = -1;
      } else if (k === best + 1) after = p;
      previous = p;
    }
    let hz = this.#freqs[best]!;
    if (best > 0 && after >= 0 && best < this.#freqs.length - 1) {
      const denom = before - 2 * bestPower + after;
      if (denom < 0) hz += (0.5 * (before - after) / denom) * (this.#freqs[1]! - this.#freqs[0]!);
    }
    const power = this.#power(2 * Math.cos((2 * Math.PI * hz) / this.sampleRate));
    const tonal = power >= this.#minPower && (2 * power) / this.#n >= this.#share * energy;
    const levelDb = 10 * Math.log10(power + 1e-30);
    const steady = this.#blocks > 0 && Math.abs(hz - this.#pitch) <= PITCH_TOLERANCE * this.#pitch && Math.abs(levelDb - this.#levelDb) <= LEVEL_TOLERANCE_DB;
    if (tonal && steady) {
      this.#blocks++;
      this.#levelDb += (levelDb - this.#levelDb) / this.#blocks;
      this.#missed = false;
      return;
    }
    if (this.#blocks > 0 && !tonal && !this.#missed) {
      this.#missed = true; // bridge one block
      return;
    }
    this.#end(onBeep);
    if (tonal) {
      this.#blocks = 1;
      this.#pitch = hz;
      this.#levelDb = levelDb;
      this.#startedAt = this.#t - this.#n;
    }
  }

  #end(onBeep: (endedAt: number, durationMs: number, hz: number) => void): void {
    const blocks = this.#blocks;
    this.#blocks = 0;
    this.#missed = false;
    if (blocks >= this.#minBlocks && blocks <= this.#maxBlocks) {
      onBeep(this.#startedAt + blocks * this.#n, blocks * BLOCK_MS, Math.round(this.#pitch));
    }
  }

  /** Goertzel power of the block at the frequency of `coef` (2·cos ω). */
  #power(coef: number): number {
    let s1 = 0;
    let s2 = 0;
    const x = this.#block;
    for (let i = 0; i < this.#n; i++) {
      const s = x[i]! + coef * s1 - s2;
      s2 = s1;
      s1 = s;
    }
    return s1 * s1 + s2 * s2 - coef * s1 * s2;
  }
}
