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
  /** Search grid, half a bin apart, then one slot for the refined pitch: frequencies, 2·cos ω, powers. */
  readonly #freqs: Float64Array;
  readonly #coefs: Float64Array;
  readonly #powers: Float64Array;
  readonly #grid: number;
  /** The tone followed: its first pitch (Hz) and mean power (dB), kept unboxed. */
  readonly #tone = new Float64Array(2);
  readonly #minPower: number;
  readonly #share: number;
  readonly #minBlocks: number;
  readonly #maxBlocks: number;
  /** Blocks of the tone followed, and where it began. */
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
    const count = Math.max(2, Math.floor((hi - lo) / step) + 1);
    this.#grid = count;
    this.#freqs = new Float64Array(count + 1);
    this.#coefs = new Float64Array(count + 1);
    this.#powers = new Float64Array(count + 1);
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

  // Doubles stay in locals and typed arrays: a double passed to or returned from a call the
  // JIT did not inline is boxed (garbage on the audio thread).
  #analyse(onBeep: (endedAt: number, durationMs: number, hz: number) => void): void {
    const x = this.#block;
    let energy = 0;
    for (let i = 0; i < this.#n; i++) energy += x[i]! * x[i]!;
    // The strongest grid frequency, then refined by a parabola through its neighbours.
    const p = this.#powers;
    const grid = this.#grid;
    let best = 0;
    for (let k = 0; k < grid; k++) {
      this.#goertzel(k);
      if (p[k]! > p[best]!) best = k;
    }
    let hz = this.#freqs[best]!;
    if (best > 0 && best < grid - 1) {
      const denom = p[best - 1]! - 2 * p[best]! + p[best + 1]!;
      if (denom < 0) hz += ((0.5 * (p[best - 1]! - p[best + 1]!)) / denom) * (this.#freqs[1]! - this.#freqs[0]!);
    }
    this.#coefs[grid] = 2 * Math.cos((2 * Math.PI * hz) / this.sampleRate);
    this.#goertzel(grid);
    const power = p[grid]!;
    const tonal = power >= this.#minPower && (2 * power) / this.#n >= this.#share * energy;
    const levelDb = 10 * Math.log10(power + 1e-30);
    const tone = this.#tone;
    const steady = this.#blocks > 0 && Math.abs(hz - tone[0]!) <= PITCH_TOLERANCE * tone[0]! && Math.abs(levelDb - tone[1]!) <= LEVEL_TOLERANCE_DB;
    if (tonal && steady) {
      this.#blocks++;
      tone[1]! += (levelDb - tone[1]!) / this.#blocks;
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
      tone[0] = hz;
      tone[1] = levelDb;
      this.#startedAt = this.#t - this.#n;
    }
  }

  #end(onBeep: (endedAt: number, durationMs: number, hz: number) => void): void {
    const blocks = this.#blocks;
    this.#blocks = 0;
    this.#missed = false;
    if (blocks >= this.#minBlocks && blocks <= this.#maxBlocks) {
      onBeep(this.#startedAt + blocks * this.#n, blocks * BLOCK_MS, Math.round(this.#tone[0]!));
    }
  }

  /** Goertzel power of the block at grid slot `k`, into `#powers[k]`. */
  #goertzel(k: number): void {
    const coef = this.#coefs[k]!;
    let s1 = 0;
    let s2 = 0;
    const x = this.#block;
    for (let i = 0; i < this.#n; i++) {
      const s = x[i]! + coef * s1 - s2;
      s2 = s1;
      s1 = s;
    }
    this.#powers[k] = s1 * s1 + s2 * s2 - coef * s1 * s2;
  }
}
