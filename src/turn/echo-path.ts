/**
 * The agent's own voice, heard back by the mic: an estimate of the echo path (coupling
 * gain and delay from the rendered output to the mic), learned while the agent speaks and
 * the user is silent, and a per-frame judgement in audio time: is there more in the mic
 * than the echo explains? Pure: levels in, verdicts out (no Web Audio).
 *
 * Levels, not samples: the mixer reports its output level every ~33 ms (context time) and
 * the VAD reports each 32 ms mic frame's level. For each candidate delay d the reference
 * is the output level over the frame's span shifted back by d. At the true delay the mic
 * follows the output syllable by syllable, so the log of mic / reference barely varies;
 * the delay is the one where it varies least, and the gain a high quantile of the ratio
 * there. A frame trains the path when the VAD hears nothing, or when the gate judged it
 * echo (the VAD hears the agent's voice as speech too, so "the VAD is quiet" alone would
 * never learn a loud echo).
 */

/** Seconds covered by one mic frame (512 samples at 16 kHz). */
const FRAME_SEC = 0.032;
/** Candidate delays, s: 0 to 400 ms in 8 ms steps (output + input latency + room). */
const DELAYS: readonly number[] = Array.from({ length: 51 }, (_, i) => i * 0.008);
/** Span assumed for the first level report, s (the engine's default `levelIntervalMs`). */
const REPORT_SEC = 0.033;
/** Training ratios kept per delay (≈ 6 s of agent speech). */
const RING = 192;
/** The estimate is solved again after this many training frames (≈ 256 ms): cheap enough per frame. */
const SOLVE_EVERY = 8;
/** Training frames needed before the learned path replaces the prior. */
const MIN_TRAINED = 24;
/** Quantile of mic / reference at the chosen delay taken as the echo gain: its loud frames. */
const QUANTILE = 0.9;
/** Output below this RMS (−50 dBFS) teaches nothing and explains nothing. */
const OUTPUT_FLOOR = 0.003;
/**
 * Output level history kept, s. Far more than the longest delay: mic frames are judged
 * when the VAD worker has run them, which on a busy machine can be a second or more after
 * the mixer reported the output that echoed into them.
 */
const HISTORY_SEC = 5;

export interface EchoPathOptions {
  /**
   * Echo gain assumed until the path is learned, applied to the loudest output of the last
   * 400 ms (linear; 0.3 ≈ −10 dB). 0 turns the gate off: every frame is the user's.
   */
  priorGain: number;
  /** How far the mic must rise above the explained echo to count as the user, linear. Default 2 (+6 dB). */
  margin?: number;
}

/** What {@link EchoPath.judge} found for one mic frame. */
export interface EchoVerdict {
  /** The mic holds more than the echo explains: the user (or someone) is speaking. */
  user: boolean;
  /** Mic RMS the echo alone would give, linear. */
  expected: number;
}

/** The learned echo path, for metrics and logs. */
export interface EchoEstimate {
  /** Linear gain from output RMS to mic RMS (0 when no echo was heard). */
  gain: number;
  /** Output → mic delay, s. */
  delaySec: number;
  /** Training frames behind the estimate. */
  frames: number;
}

export class EchoPath {
  readonly #prior: number;
  readonly #margin: number;
  /** Output level reports: start and end time (context s) and RMS, oldest first. */
  #outStart: number[] = [];
  #outT: number[] = [];
  #outRms: number[] = [];
  /** Per candidate delay, a ring of training log ratios ln(mic / reference). */
  readonly #ratios = DELAYS.map(() => new Float32Array(RING));
  #count = 0;
  #next = 0;
  #estimate: EchoEstimate | null = null;
  /** Training frames since the last solve. */
  #fresh = 0;

  constructor(options: EchoPathOptions) {
    this.#prior = options.priorGain;
    this.#margin = options.margin ?? 2;
  }

  /** The learned path, or null while it is still the prior. */
  get estimate(): EchoEstimate | null {
    // Solved at once for the first estimate, then every few frames.
    if (this.#fresh >= SOLVE_EVERY || (this.#fresh > 0 && !this.#estimate)) this.#solve();
    return this.#estimate;
  }

  /** An output level report: `rms` over the interval ending at `t` (context seconds). */
  pushOutput(t: number, rms: number): void {
    const last = this.#outT[this.#outT.length - 1];
    // A report covers the audio since the previous one (a gap after a pause: the usual span).
    this.#outStart.push(last !== undefined && t - last > 0 && t - last < 3 * REPORT_SEC ? last : t - REPORT_SEC);
    this.#outT.push(t);
    this.#outRms.push(rms);
    let drop = 0;
    while (drop < this.#outT.length && this.#outT[drop]! < t - HISTORY_SEC) drop++;
    if (drop > 0) {
      this.#outStart.splice(0, drop);
      this.#outT.splice(0, drop);
      this.#outRms.splice(0, drop);
    }
  }

  /** True when the output was audible in the span that could echo into a frame ending at `t`. */
  outputAudible(t: number): boolean {
    return this.#loudest(t) >= OUTPUT_FLOOR;
  }

  /**
   * Judges a mic frame ending at `t` (context seconds) with `micRms` and learns from it
   * when it holds only echo: `vadQuiet` (the VAD heard no speech) or judged so.
   */
  frame(t: number, micRms: number, vadQuiet: boolean): EchoVerdict {
    // The loudest output that could echo into this frame: computed once, for both uses.
    const loudest = this.#loudest(t);
    const verdict = this.#judge(t, micRms, loudest);
    if ((vadQuiet || !verdict.user) && loudest >= OUTPUT_FLOOR) this.#learn(t, micRms);
    return verdict;
  }

  #learn(t: number, micRms: number): void {
    const slot = this.#next;
    for (let i = 0; i < DELAYS.length; i++) {
      const ref = this.#reference(t, DELAYS[i]!, DELAYS[i]!);
      // Too little output at this delay to say anything (NaN: skipped by the solver).
      this.#ratios[i]![slot] = ref >= OUTPUT_FLOOR ? Math.log(Math.max(micRms, 1e-6) / ref) : NaN;
    }
    this.#next = (slot + 1) % RING;
    this.#count = Math.min(this.#count + 1, RING);
    this.#fresh++;
  }

  /** Judges a mic frame ending at `t` (context seconds). */
  judge(t: number, micRms: number): EchoVerdict {
    return this.#judge(t, micRms, this.#loudest(t));
  }

  #judge(t: number, micRms: number, loudest: number): EchoVerdict {
    if (this.#prior <= 0) return { user: true, expected: 0 };
    // The prior is also a floor: until the learned path can be trusted to lower it (its
    // estimate was seen to let a −14 dB echo through in Chromium, not yet explained), the
    // mic must hold more than `priorGain` × the loudest output of the last 400 ms. What
    // the path adds is a louder echo than the prior: then its estimate raises the bar.
    const floor = this.#prior * loudest;
    const est = this.estimate;
    const learned = est ? this.#margin * est.gain * this.#reference(t, est.delaySec, est.delaySec) : 0;
    const expected = Math.max(floor, learned);
    if (expected < OUTPUT_FLOOR * 0.1) return { user: true, expected };
    return { user: micRms > expected, expected };
  }


  /** Forgets the learned path (a new output device, say). */
  reset(): void {
    this.#count = 0;
    this.#next = 0;
    this.#estimate = null;
    this.#fresh = 0;
    this.#outStart = [];
    this.#outT = [];
    this.#outRms = [];
  }

  /** The loudest output report that could echo into a frame ending at `t` (any delay). */
  #loudest(t: number): number {
    return this.#reference(t, 0, DELAYS[DELAYS.length - 1]!);
  }

  /**
   * Output RMS over the span of a frame ending at `t` shifted back by d, for d in
   * dMin…dMax: the reports weighted by their overlap with the span (energy mean) when the
   * delay is known, the loudest one when it is a range.
   */
  #reference(t: number, dMin: number, dMax: number): number {
    const from = t - FRAME_SEC - dMax;
    const to = t - dMin;
    let max = 0;
    let energy = 0;
    let weight = 0;
    const ts = this.#outT;
    for (let i = ts.length - 1; i >= 0; i--) {
      const end = ts[i]!;
      const start = this.#outStart[i]!;
      if (end <= from) break;
      const overlap = Math.min(end, to) - Math.max(start, from);
      if (overlap <= 0) continue;
      const r = this.#outRms[i]!;
      max = Math.max(max, r);
      energy += overlap * r * r;
      weight += overlap;
    }
    if (dMin !== dMax) return max;
    return weight > 0 ? Math.sqrt(energy / weight) : 0;
  }

  #solve(): void {
    this.#fresh = 0;
    const n = this.#count;
    if (n < MIN_TRAINED) {
      this.#estimate = null;
      return;
    }
    let bestDelay = -1;
    let bestVar = Infinity;
    for (let i = 0; i < DELAYS.length; i++) {
      const r = this.#ratios[i]!;
      let m = 0;
      let sum = 0;
      let sq = 0;
      for (let k = 0; k < n; k++) {
        const v = r[k]!;
        if (v !== v) continue; // NaN
        m++;
        sum += v;
        sq += v * v;
      }
      if (m < MIN_TRAINED) continue;
      const variance = sq / m - (sum / m) ** 2;
      if (variance < bestVar - 1e-9) {
        bestVar = variance;
        bestDelay = i;
      }
    }
    if (bestDelay < 0) {
      this.#estimate = null;
      return;
    }
    const valid = Array.from(this.#ratios[bestDelay]!.subarray(0, n)).filter((v) => v === v).sort((a, b) => a - b);
    const gain = Math.exp(valid[Math.min(valid.length - 1, Math.floor(QUANTILE * valid.length))]!);
    this.#estimate = { gain, delaySec: DELAYS[bestDelay]!, frames: valid.length };
  }
}
