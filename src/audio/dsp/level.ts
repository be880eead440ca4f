/**
 * Signal level metering and dB helpers. Pure: no DOM / Web Audio (runs inside AudioWorklets).
 */

/** Linear signal level over one metering interval (full scale = 1). */
export interface Level {
  /** Root-mean-square amplitude (a full-scale sine reads ≈ 0.7071). */
  rms: number;
  /** Largest absolute sample value. */
  peak: number;
}

/** RMS of `block` (linear, full scale = 1); 0 for an empty block. */
export function rms(block: Float32Array): number {
  if (block.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < block.length; i++) {
    const v = block[i]!;
    sum += v * v;
  }
  return Math.sqrt(sum / block.length);
}

/** Converts decibels to a linear amplitude gain: `10^(db/20)` (−Infinity → 0). */
export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

/** Converts a linear amplitude gain to decibels: `20·log10(g)` (0 → −Infinity). */
export function gainToDb(g: number): number {
  return 20 * Math.log10(g);
}

/**
 * Accumulates level over audio blocks and reports it at a fixed cadence.
 *
 * Blocks are attributed whole to the interval in which they end (no splitting), and the
 * interval boundary advances by the exact fractional sample count, so the long-run report rate
 * is exactly `1000 / intervalMs` per second even when blocks do not divide the interval.
 */
export class LevelMeter {
  /** Samples per report (may be fractional). */
  readonly intervalSamples: number = 0;
  private sumSq = 0;
  private peak = 0;
  private count = 0;
  /** Samples left until the next report is due (carries the fractional remainder). */
  // Initialised to a number here (not undefined, as a bare class field is) so that V8
  // keeps it an unboxed double: a tagged double field allocates on every store.
  private untilNext = 0;
  /** The report object, reused: an audio thread must not allocate per block. */
  private readonly level: Level = { rms: 0, peak: 0 };

  /**
   * @param sampleRate Sample rate in Hz.
   * @param intervalMs Report interval in milliseconds (default 33, ≈ 30 reports/s).
   */
  constructor(sampleRate: number, intervalMs = 33) {
    const interval = (sampleRate * intervalMs) / 1000;
    if (!(interval > 0) || !Number.isFinite(interval)) {
      throw new RangeError(`LevelMeter: invalid interval ${intervalMs} ms at ${sampleRate} Hz`);
    }
    this.intervalSamples = interval;
    this.untilNext = interval;
  }

  /**
   * Adds a block; returns the level since the previous report when an interval has elapsed,
   * else `null`. A block spanning several intervals yields a single report. The returned
   * object is reused: read it before the next push.
   */
  push(block: Float32Array): Level | null {
    let sum = 0;
    let peak = this.peak;
    for (let i = 0; i < block.length; i++) {
      const v = block[i]!;
      sum += v * v;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
    }
    this.sumSq += sum;
    this.peak = peak;
    this.count += block.length;
    this.untilNext -= block.length;
    if (this.untilNext > 0) return null;
    this.untilNext += this.intervalSamples;
    if (this.untilNext <= 0) {
      // A huge block jumped over whole intervals: skip them (keeping the phase) rather than
      // reporting them late.
      this.untilNext = this.intervalSamples - (-this.untilNext % this.intervalSamples);
    }
    const level = this.level;
    level.rms = this.count > 0 ? Math.sqrt(this.sumSq / this.count) : 0;
    level.peak = peak;
    this.sumSq = 0;
    this.peak = 0;
    this.count = 0;
    return level;
  }

  /** Clears the accumulators and restarts the interval. */
  reset(): void {
    this.sumSq = 0;
    this.peak = 0;
    this.count = 0;
    this.untilNext = this.intervalSamples;
  }
}
