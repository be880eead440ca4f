// In-band DTMF detection (ITU-T Q.23 frequencies, Q.24 timing): a Goertzel filter per row and
// column frequency and per second harmonic, on 16 ms windows every 8 ms. Pure and free of
// allocation after construction, so the capture worklet runs it on every block.

/** The keypad: DTMF_KEYS[row * 4 + column]. */
export const DTMF_KEYS = '123A456B789C*0#D';
/** Low group (rows), Hz. */
export const DTMF_ROWS = [697, 770, 852, 941] as const;
/** High group (columns), Hz. */
export const DTMF_COLUMNS = [1209, 1336, 1477, 1633] as const;

/** Thresholds of {@link DTMFDetector}. The defaults pass Q.24 timing and ±6 dB twist at 10 dB SNR. */
export interface DTMFDetectorOptions {
  /** Least level of each tone, dBFS (sine amplitude re full scale). Default −45. */
  minToneDb?: number;
  /** How much louder the high tone may be than the low one, dB. Default 10 (a 6 dB twist reads up to ~8.5 at 10 dB SNR). */
  maxNormalTwistDb?: number;
  /** How much louder the low tone may be than the high one, dB. Default 10. */
  maxReverseTwistDb?: number;
  /**
   * Least share of the window's energy the two tones must carry (0–1). Default 0.65:
   * a key press is nearly all tone; speech and music spread their energy over many partials.
   */
  minToneShare?: number;
  /** Each tone must beat the others of its group by this much, dB. Default 8. */
  minPeakRatioDb?: number;
  /** A tone's second harmonic must be this far below it, dB (voices and instruments have strong ones). Default 12. */
  minHarmonicRejectDb?: number;
}

/** Window and hop, ms: 16 ms windows resolve the rows (73 Hz apart) at any rate; the hop gives Q.24 timing. */
const WINDOW_MS = 16;
/**
 * Windows with the same digit (one other may come between) before it counts: ≥ ~30 ms of tone
 * (Q.24: accept 40 ms; reject 20 ms).
 */
const ON_WINDOWS = 3;
/** Windows in a row without it before the key is released: bridges 10 ms dropouts, sees 40 ms pauses. */
const OFF_WINDOWS = 3;
const FREQS = [...DTMF_ROWS, ...DTMF_COLUMNS];

/**
 * Finds DTMF key presses in a stream of mono samples. Each press is reported once, when it
 * has lasted about 30 ms (so ~40 ms after it began). Feed any block size with {@link push}.
 *
 * ```ts
 * const dtmf = new DTMFDetector(16000);
 * dtmf.push(samples, (digit, at) => console.log(digit, at / 16000));
 * ```
 */
export class DTMFDetector {
  readonly sampleRate: number;
  readonly #n: number;
  readonly #hop: number;
  /** 2·cos(ω) for the 8 tones, then their 8 second harmonics. */
  readonly #coef = new Float64Array(16);
  /** Two banks of Goertzel state (windows offset by half a window): s1, s2 per frequency. */
  readonly #s1 = [new Float64Array(16), new Float64Array(16)];
  readonly #s2 = [new Float64Array(16), new Float64Array(16)];
  readonly #energy = new Float64Array(2);
  readonly #count = new Int32Array(2);
  readonly #power = new Float64Array(16);
  /** Power at each row's second harmonic of a column tone of power 1, per key. */
  readonly #leak = new Float64Array(16);
  readonly #minPower: number;
  readonly #normalTwist: number;
  readonly #reverseTwist: number;
  readonly #share: number;
  readonly #peak: number;
  readonly #harmonic: number;
  /** Samples pushed so far. */
  #t = 0;
  /** The candidate of the last windows, how many in a row, and the sample its first window began. */
  #candidate = -1;
  #hits = 0;
  #gap = false;
  #candidateAt = 0;
  /** The key held down (reported), or −1; windows without it in a row. */
  #held = -1;
  #misses = 0;

  constructor(sampleRate: number, options: DTMFDetectorOptions = {}) {
    this.sampleRate = sampleRate;
    this.#hop = Math.round((sampleRate * WINDOW_MS) / 2000);
    this.#n = this.#hop * 2;
    for (let i = 0; i < 8; i++) {
      this.#coef[i] = 2 * Math.cos((2 * Math.PI * FREQS[i]!) / sampleRate);
      this.#coef[i + 8] = 2 * Math.cos((4 * Math.PI * FREQS[i]!) / sampleRate);
    }
    for (let k = 0; k < 16; k++) {
      // Rectangular window: a tone Δ Hz off a Goertzel filter keeps |sin(πΔN/fs) / (N·sin(πΔ/fs))|² of its power.
      const d = (Math.PI * (2 * DTMF_ROWS[k >> 2]! - DTMF_COLUMNS[k & 3]!)) / sampleRate;
      this.#leak[k] = (Math.sin(d * this.#n) / (this.#n * Math.sin(d))) ** 2;
    }
    const db = (x: number) => 10 ** (x / 10);
    // A sine of amplitude A gives a Goertzel power of (A·N/2)² over N samples.
    const amp = 10 ** ((options.minToneDb ?? -45) / 20);
    this.#minPower = ((amp * this.#n) / 2) ** 2;
    this.#normalTwist = db(options.maxNormalTwistDb ?? 10);
    this.#reverseTwist = db(options.maxReverseTwistDb ?? 10);
    this.#share = options.minToneShare ?? 0.65;
    this.#peak = db(options.minPeakRatioDb ?? 8);
    this.#harmonic = db(options.minHarmonicRejectDb ?? 12);
    // The second bank starts half a window late.
    this.#count[1] = -this.#hop;
  }

  /** Forgets everything (a new stream). */
  reset(): void {
    for (let b = 0; b < 2; b++) {
      this.#s1[b]!.fill(0);
      this.#s2[b]!.fill(0);
      this.#energy[b] = 0;
    }
    this.#count[0] = 0;
    this.#count[1] = -this.#hop;
    this.#t = 0;
    this.#candidate = -1;
    this.#hits = 0;
    this.#gap = false;
    this.#held = -1;
    this.#misses = 0;
  }

  /**
   * Feeds `count` samples of `samples` (default all). `onDigit` gets each new key press:
   * its character (`0`–`9`, `*`, `#`, `A`–`D`) and the index of the sample where it began
   * (counted from the first sample pushed).
   */
  push(samples: ArrayLike<number>, onDigit: (digit: string, at: number) => void, count = samples.length): void {
    for (let i = 0; i < count; i++) {
      const x = samples[i]!;
      for (let b = 0; b < 2; b++) {
        if (this.#count[b]! < 0) {
          this.#count[b]!++;
          continue;
        }
        const s1 = this.#s1[b]!;
        const s2 = this.#s2[b]!;
        for (let k = 0; k < 16; k++) {
          const s = x + this.#coef[k]! * s1[k]! - s2[k]!;
          s2[k] = s1[k]!;
          s1[k] = s;
        }
        this.#energy[b]! += x * x;
        if (++this.#count[b]! === this.#n) this.#window(b, onDigit);
      }
      this.#t++;
    }
  }

  #window(b: number, onDigit: (digit: string, at: number) => void): void {
    const s1 = this.#s1[b]!;
    const s2 = this.#s2[b]!;
    const p = this.#power;
    for (let k = 0; k < 16; k++) {
      p[k] = s1[k]! * s1[k]! + s2[k]! * s2[k]! - this.#coef[k]! * s1[k]! * s2[k]!;
      s1[k] = 0;
      s2[k] = 0;
    }
    // Integers only across calls: a double argument to a call the JIT did not inline is boxed (garbage).
    const digit = this.#classify(b);
    this.#energy[b] = 0;
    this.#count[b] = 0;
    this.#track(digit, this.#t + 1 - this.#n, onDigit);
  }

  /** The key bank `b`'s window holds, or −1. */
  #classify(b: number): number {
    const energy = this.#energy[b]!;
    const p = this.#power;
    let row = 0;
    let col = 4;
    for (let k = 1; k < 4; k++) {
      if (p[k]! > p[row]!) row = k;
      if (p[k + 4]! > p[col]!) col = k + 4;
    }
    const pr = p[row]!;
    const pc = p[col]!;
    if (pr < this.#minPower || pc < this.#minPower) return -1;
    if (pc > pr * this.#normalTwist || pr > pc * this.#reverseTwist) return -1;
    for (let k = 0; k < 4; k++) {
      if (k !== row && p[k]! * this.#peak > pr) return -1;
      if (k + 4 !== col && p[k + 4]! * this.#peak > pc) return -1;
    }
    // The row's harmonic (1394–1882 Hz) lies near the columns: allow for the column's leakage
    // into it (in phase with a real harmonic, at worst). The columns' harmonics are clear of it.
    const rowHarmonic = Math.sqrt(pr / this.#harmonic) + Math.sqrt(pc * this.#leak[row * 4 + col - 4]!);
    if (p[row + 8]! > rowHarmonic * rowHarmonic || p[col + 8]! * this.#harmonic > pc) return -1;
    // Share of the window's energy: a sine's power (A·N/2)² against its energy A²·N/2.
    if ((2 * (pr + pc)) / this.#n < this.#share * energy) return -1;
    return row * 4 + (col - 4);
  }

  #track(digit: number, windowStart: number, onDigit: (digit: string, at: number) => void): void {
    if (digit >= 0 && digit === this.#candidate) {
      this.#hits++;
      this.#gap = false;
    } else if (this.#candidate >= 0 && !this.#gap && this.#hits > 0) {
      // One window may fail inside a press (a noise peak), never two in a row.
      this.#gap = true;
    } else {
      this.#candidate = digit;
      this.#hits = digit >= 0 ? 1 : 0;
      this.#gap = false;
      this.#candidateAt = windowStart;
    }
    if (this.#held >= 0) {
      if (digit === this.#held) {
        this.#misses = 0;
        return;
      }
      if (++this.#misses < OFF_WINDOWS) return;
      this.#held = -1;
    }
    if (this.#hits >= ON_WINDOWS) {
      this.#held = digit;
      this.#misses = 0;
      onDigit(DTMF_KEYS[digit]!, Math.max(0, this.#candidateAt));
    }
  }
}
