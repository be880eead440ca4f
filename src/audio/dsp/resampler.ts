/**
 * Streaming band-limited sample-rate converter (windowed sinc, polyphase).
 *
 * Pure DSP: no DOM / Web Audio, safe in AudioWorklets, Workers, Node and the main thread.
 */

/** Default one-sided kernel length, in taps at the *lower* of the two rates. */
const DEFAULT_HALF_TAPS = 16;
/** Pass-band edge as a fraction of min(fromRate, toRate): 0.9 × the lower Nyquist. */
const CUTOFF_FRACTION = 0.45;
/** Above this many exact phases the table would get large, so fall back to interpolated phases. */
const MAX_EXACT_PHASES = 1024;
/** Phase resolution of the interpolated fallback table. */
const INTERP_PHASES = 512;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Blackman window on x ∈ [-1, 1]; zero outside. ~74 dB side-lobe rejection. */
function blackman(x: number): number {
  if (x <= -1 || x >= 1) return 0;
  return 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
}

/** Integer pair with the same ratio, so the input clock can be stepped exactly (no float drift). */
function integerRatio(from: number, to: number): [number, number] {
  if (Number.isInteger(from) && Number.isInteger(to)) return [from, to];
  // Non-integer rates (rare, e.g. measured clocks): millihertz resolution is plenty.
  return [Math.round(from * 1000), Math.round(to * 1000)];
}

/**
 * Converts a mono stream from `fromRate` to `toRate` in arbitrary chunk sizes.
 *
 * - State is carried across {@link process} calls, so any chunking of the input yields exactly
 *   the same output samples (the arithmetic is identical; only the call boundaries move).
 * - Output k is a band-limited estimate of the input at time `(k − latencyOutputSamples) / toRate`
 *   seconds; inputs before t = 0 are treated as silence.
 * - After N input samples exactly `ceil(N × toRate / fromRate)` outputs have been produced, so the
 *   stream never drifts.
 * - Cost: `2 × halfTaps` MACs per output sample when upsampling, `2 × halfTaps` MACs per *input*
 *   sample when downsampling (the kernel widens by the decimation ratio to act as an anti-alias
 *   filter at 0.45 × toRate).
 */
export class StreamResampler {
  /** Input sample rate in Hz. */
  readonly fromRate: number;
  /** Output sample rate in Hz. */
  readonly toRate: number;
  /** Fixed group delay in output samples (integer; 0 when the rates are equal). */
  readonly latencyOutputSamples: number;
  /** Kernel taps per side in input samples (K); the total FIR length per output is 2K. */
  readonly tapsPerSide: number;

  private readonly identity: boolean;
  // Exact rational step: each output advances the input clock by M/L input samples.
  private readonly L: number;
  private readonly M: number;
  private readonly stepInt: number;
  private readonly stepRem: number;
  /** Number of table rows (== L when exact, else INTERP_PHASES with linear interpolation). */
  private readonly phases: number;
  private readonly exact: boolean;
  /** phases+1 rows × 2K taps; row p holds h(p/phases + K − 1 − i) for tap i. */
  private readonly table: Float64Array;

  private buf = new Float32Array(0);
  private bufLen = 0;
  /** Absolute input index of buf[0] (negative at start: the zero pre-roll). */
  private bufBase = 0;
  /** floor of the next output's input time. */
  private n = 0;
  /** Fractional part of the next output's input time, as a numerator over L. */
  private phase = 0;
  /** N·L − k·M: positive while more outputs are due. Integer, so no float drift. */
  private budget = 0;

  /**
   * @param fromRate Input rate in Hz (> 0).
   * @param toRate Output rate in Hz (> 0).
   * @param opts.halfTaps Taps per side at the lower rate (default 16). More taps = sharper
   *   transition band and more latency/cost.
   */
  constructor(fromRate: number, toRate: number, opts?: { halfTaps?: number }) {
    if (!(fromRate > 0) || !(toRate > 0) || !Number.isFinite(fromRate) || !Number.isFinite(toRate)) {
      throw new RangeError(`StreamResampler: invalid rates ${fromRate} → ${toRate}`);
    }
    const halfTaps = opts?.halfTaps ?? DEFAULT_HALF_TAPS;
    if (!Number.isInteger(halfTaps) || halfTaps < 1) {
      throw new RangeError(`StreamResampler: halfTaps must be a positive integer, got ${halfTaps}`);
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.identity = fromRate === toRate;

    const [a, b] = integerRatio(fromRate, toRate);
    const g = gcd(a, b);
    this.L = b / g;
    this.M = a / g;
    this.stepInt = Math.floor(this.M / this.L);
    this.stepRem = this.M % this.L;

    // When downsampling the kernel is stretched by from/to so its cutoff sits below the new Nyquist.
    // (Multiply before dividing so e.g. 16 × 48000 / 16000 is exactly 48, not 48.000…1 → 49.)
    const K = toRate < fromRate ? Math.ceil((halfTaps * fromRate) / toRate) : halfTaps;
    this.tapsPerSide = this.identity ? 0 : K;
    // Delay ≥ K input samples guarantees every tap of a due output has already arrived; rounding
    // it up to whole output samples keeps the latency an integer for callers aligning streams.
    this.latencyOutputSamples = this.identity ? 0 : Math.ceil((K * this.L) / this.M);

    this.exact = this.L <= MAX_EXACT_PHASES;
    this.phases = this.exact ? this.L : INTERP_PHASES;
    const fc = (CUTOFF_FRACTION * Math.min(fromRate, toRate)) / fromRate; // cycles per input sample
    this.table = this.identity ? new Float64Array(0) : buildTable(this.phases, K, fc);
    this.reset();
  }

  /** Clears all history; the next sample is treated as t = 0 again. */
  reset(): void {
    if (this.identity) return;
    const K = this.tapsPerSide;
    const num0 = -this.latencyOutputSamples * this.M;
    this.n = Math.floor(num0 / this.L);
    this.phase = num0 - this.n * this.L;
    this.budget = 0;
    // Pre-roll of zeros standing in for the (silent) input before t = 0.
    this.bufBase = this.n - K + 1;
    this.bufLen = -this.bufBase;
    if (this.buf.length < this.bufLen) this.buf = new Float32Array(Math.max(this.bufLen, 256));
    this.buf.fill(0, 0, this.bufLen);
  }

  /**
   * The most outputs {@link processInto} can write for an input of `inputLength` samples:
   * size the output buffer with it once, up front.
   */
  maxOutputFor(inputLength: number): number {
    return Math.ceil(((inputLength + 1) * this.toRate) / this.fromRate) + 1;
  }

  /**
   * Consumes `input` and returns every output sample that became computable (possibly none).
   * Returns a new array; `input` is not retained. Equal rates return a copy of `input`.
   * On the audio thread use {@link processInto}, which allocates nothing.
   */
  process(input: Float32Array): Float32Array<ArrayBuffer> {
    if (this.identity) return input.slice();
    const out = new Float32Array(this.maxOutputFor(input.length));
    return out.slice(0, this.processInto(input, out));
  }

  /**
   * Consumes `input`, writes the outputs that became computable to the start of `out`
   * and returns how many. Allocates nothing once the history buffer has grown to the
   * largest input seen. `out` needs {@link maxOutputFor}(input.length) samples.
   */
  processInto(input: Float32Array, out: Float32Array): number {
    if (this.identity) {
      if (out.length < input.length) throw new RangeError(`StreamResampler: out has ${out.length} samples, need ${input.length}`);
      out.set(input);
      return input.length;
    }
    this.append(input);
    this.budget += input.length * this.L;
    const count = this.budget > 0 ? Math.ceil(this.budget / this.M) : 0;
    if (out.length < count) throw new RangeError(`StreamResampler: out has ${out.length} samples, need ${count}`);
    const K2 = 2 * this.tapsPerSide;
    const { table, buf, L, M, stepInt, stepRem, phases, exact } = this;
    let n = this.n;
    let phase = this.phase;
    const base = this.bufBase + this.tapsPerSide - 1; // start = (n − K + 1) − bufBase
    for (let k = 0; k < count; k++) {
      const start = n - base; // buf index of the first tap
      let acc: number;
      if (exact) {
        const row = phase * K2;
        acc = 0;
        for (let i = 0; i < K2; i++) acc += buf[start + i]! * table[row + i]!;
      } else {
        const pf = (phase / L) * phases;
        const p0 = Math.floor(pf);
        const w = pf - p0;
        const r0 = p0 * K2;
        const r1 = r0 + K2;
        let a0 = 0;
        let a1 = 0;
        for (let i = 0; i < K2; i++) {
          const x = buf[start + i]!;
          a0 += x * table[r0 + i]!;
          a1 += x * table[r1 + i]!;
        }
        acc = a0 + w * (a1 - a0);
      }
      out[k] = acc;
      n += stepInt;
      phase += stepRem;
      if (phase >= L) {
        phase -= L;
        n++;
      }
    }
    this.n = n;
    this.phase = phase;
    this.budget -= count * M;
    this.discardBefore(n - this.tapsPerSide + 1);
    return count;
  }

  private append(input: Float32Array): void {
    const need = this.bufLen + input.length;
    if (need > this.buf.length) {
      // Grows only when a larger chunk than ever before arrives; steady state does not allocate.
      const next = new Float32Array(Math.max(need, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.bufLen));
      this.buf = next;
    }
    this.buf.set(input, this.bufLen);
    this.bufLen = need;
  }

  /** Drops history older than absolute index `first` (no longer reachable by any future tap). */
  private discardBefore(first: number): void {
    const drop = Math.min(first - this.bufBase, this.bufLen);
    if (drop <= 0) return;
    this.buf.copyWithin(0, drop, this.bufLen);
    this.bufLen -= drop;
    this.bufBase += drop;
  }
}

/**
 * Builds `phases + 1` rows of `2K` taps of a Blackman-windowed sinc with cutoff `fc`
 * (cycles per input sample). Each row is normalised to sum 1 so the DC gain is exactly 1,
 * also between interpolated rows (a convex mix of unit-sum rows has unit sum).
 */
function buildTable(phases: number, K: number, fc: number): Float64Array {
  const K2 = 2 * K;
  // Float64: the MACs run in doubles anyway, and it keeps each row's sum at exactly 1.
  const table = new Float64Array((phases + 1) * K2);
  for (let p = 0; p <= phases; p++) {
    const frac = p / phases;
    let sum = 0;
    for (let i = 0; i < K2; i++) {
      const d = frac + K - 1 - i; // input time minus tap time, in input samples
      const x = 2 * fc * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const h = 2 * fc * sinc * blackman(d / K);
      table[p * K2 + i] = h;
      sum += h;
    }
    for (let i = 0; i < K2; i++) table[p * K2 + i] = table[p * K2 + i]! / sum;
  }
  return table;
}

/**
 * Resamples a whole buffer: the filter's tail is flushed and its delay removed, so the
 * output lines up with the input sample for sample (a loop stays seamless). Copies when
 * the rates are equal.
 */
export function resampleBuffer(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples.slice();
  const r = new StreamResampler(fromRate, toRate);
  const body = r.process(samples);
  const tail = r.process(new Float32Array(Math.ceil(fromRate / 50))).subarray(0, r.latencyOutputSamples);
  const out = new Float32Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out.slice(r.latencyOutputSamples);
}
