/**
 * The agent's own voice, heard back by the mic: an estimate of the echo path (coupling
 * gain and delay from the rendered output to the mic), learned while the agent speaks and
 * the user is silent, and a per-frame judgement in audio time: is there more in the mic
 * than the echo (and the mic's own noise) explains? Pure: levels in, verdicts out.
 *
 * Levels, not samples: the mixer reports its output level every ~33 ms (context time) and
 * the VAD reports each 32 ms mic frame's level. For each candidate delay d the reference
 * is the output level over the frame's span shifted back by d. At the true delay the mic
 * follows the output syllable by syllable, so the log of mic / reference barely varies;
 * the delay is the one where it varies least, and the gain a high quantile of the ratio
 * there. A frame trains the path when the VAD hears nothing, or when the gate judged it
 * echo (the VAD hears the agent's voice as speech too, so "the VAD is quiet" alone would
 * never learn a loud echo).
 *
 * Until the path is trusted (see {@link EchoPath.trusted}) the prior `priorGain` × the
 * loudest recent output is the bar; after, the learned echo alone, so a quiet user can
 * interrupt a loud agent whose voice does not reach the mic (headphones).
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
/** Training frames needed for an estimate (reported in metrics; the prior still rules). */
const MIN_TRAINED = 24;
/**
 * Training frames (≈ 1.5 s of the agent's voice heard by the mic while the user is silent)
 * needed before the learned path may replace the prior. In Chromium the first solve, on
 * 24 frames, put an 80 ms echo at 48 ms (4 dB high); from 32 frames on it held at 80 ms:
 * 33 ms level reports blur neighbouring delays until enough syllable edges have been seen.
 */
const MIN_TRUSTED = 48;
/**
 * Slack either side of the learned delay when judging, s: half a level report. The
 * reports are 33 ms wide (and attributed in whole 128-sample quanta), so the delay is
 * known to about that; without the slack the echo's tail after the last syllable of a
 * sentence is, for a frame or two, echo the reference at one exact delay does not explain.
 */
const DELAY_SLACK = 0.016;
/** Mic frames over which the noise floor is the minimum (≈ 2 s: longer than any syllable). */
const NOISE_FRAMES = 64;
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
   * Echo gain assumed until the path is trusted, applied to the loudest output of the last
   * 400 ms (linear; 0.3 ≈ −10 dB). 0 turns the gate off: every frame is the user's.
   */
  priorGain: number;
  /** How far the mic must rise above the explained echo (and noise) to count as the user, linear. Default 2 (+6 dB). */
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
  /** Room to sort one delay's ratios in. */
  readonly #scratch = new Float64Array(RING);
  #estimate: EchoEstimate | null = null;
  /** Training frames since the last solve. */
  #fresh = 0;
  /** The delay of the solve before the last one, s (null: none yet). */
  #lastDelay: number | null = null;
  #trusted = false;
  /** Recent mic frame levels, for the noise floor (their minimum). */
  readonly #micRing = new Float32Array(NOISE_FRAMES).fill(Infinity);
  #micNext = 0;

  constructor(options: EchoPathOptions) {
    this.#prior = options.priorGain;
    this.#margin = options.margin ?? 2;
  }

  /** The learned path (null before enough training frames); it replaces the prior once {@link trusted}. */
  get estimate(): EchoEstimate | null {
    // Solved at once for the first estimate, then every few frames.
    if (this.#fresh >= SOLVE_EVERY || (this.#fresh > 0 && !this.#estimate)) this.#solve();
    return this.#estimate;
  }

  /**
   * The learned path replaces the prior: it rests on {@link MIN_TRUSTED} training frames
   * and two solves in a row put the delay within one level report of each other, or it
   * heard no echo at all (its echo 40 dB under the prior's, where the delay is moot).
   */
  get trusted(): boolean {
    void this.estimate; // solves if due
    return this.#trusted;
  }

  /** The mic's noise floor: the quietest frame of the last ≈ 2 s (minimum statistics), linear RMS. */
  get noise(): number {
    let min = Infinity;
    for (let i = 0; i < NOISE_FRAMES; i++) min = Math.min(min, this.#micRing[i]!);
    return min === Infinity ? 0 : min;
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

  /**
   * True when the output reports have arrived that judging a mic frame ending at `t` needs:
   * up to `t`, less the learned delay (less its slack) once the path is trusted. In Chromium
   * a VAD frame reaches the main thread before the report of the output just rendered: the
   * latest report ended 10 ms before the frame did (median; 26 ms at p95). Judged at once,
   * the first syllable after a pause, echoing 20 ms later, found no output to explain it
   * and went to the user (three such frames made an echo-only run a phantom turn). True
   * when no report has come at all (levels off): there is nothing to wait for.
   */
  ready(t: number): boolean {
    const last = this.#outT[this.#outT.length - 1];
    if (last === undefined) return true;
    const est = this.trusted ? this.#estimate : null;
    // No echo heard: the output explains nothing, so its latest part cannot change a verdict.
    if (est && this.#margin * est.gain < 0.01 * this.#prior) return true;
    return last >= t - (est ? Math.max(0, est.delaySec - DELAY_SLACK) : 0) - 1e-6;
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
    this.#micRing[this.#micNext] = micRms;
    this.#micNext = (this.#micNext + 1) % NOISE_FRAMES;
    if ((vadQuiet || !verdict.user) && loudest >= OUTPUT_FLOOR) this.#learn(t, micRms);
    return verdict;
  }

  #learn(t: number, micRms: number): void {
    const slot = this.#next;
    // The echo is what the mic holds over its noise: a noise-only frame says "no echo"
    // rather than "an echo as loud as the noise" (which, over the quiet ends of syllables,
    // would put the gain's high quantile near noise / quietest output).
    const n = 2 * this.noise;
    const echo = Math.max(Math.sqrt(Math.max(micRms * micRms - n * n, 0)), 1e-6);
    for (let i = 0; i < DELAYS.length; i++) {
      const ref = this.#reference(t, DELAYS[i]!, DELAYS[i]!);
      // Too little output at this delay to say anything (NaN: skipped by the solver).
      this.#ratios[i]![slot] = ref >= OUTPUT_FLOOR ? Math.log(echo / ref) : NaN;
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
    // Nothing audible could have echoed into this frame: whatever the VAD hears is the user's.
    if (loudest < OUTPUT_FLOOR) return { user: true, expected: 0 };
    const est = this.estimate;
    if (est && this.#trusted) {
      // The noise counts as explained too: Silero holds its speech probability for a few
      // frames after the echo stops, and such a frame (the mic at its noise floor, in
      // Chromium's fake capture digital silence) was given to the user when an echo
      // explained "nothing": stray frames that made an echo-only run a phantom turn.
      const echo = est.gain * this.#slackReference(t, est.delaySec);
      const expected = this.#margin * Math.sqrt(echo * echo + this.noise ** 2);
      return { user: micRms > Math.max(expected, 1e-5), expected };
    }
    // Until the path is trusted, the prior: the mic must hold more than `priorGain` × the
    // loudest output of the last 400 ms; a louder learned echo raises the bar.
    const floor = this.#prior * loudest;
    const learned = est ? this.#margin * est.gain * this.#slackReference(t, est.delaySec) : 0;
    const expected = Math.max(floor, learned);
    return { user: micRms > expected, expected };
  }

  /** The reference at `delay` ± {@link DELAY_SLACK}: the loudest of the three. */
  #slackReference(t: number, delay: number): number {
    let ref = this.#reference(t, delay, delay);
    for (const d of [delay - DELAY_SLACK, delay + DELAY_SLACK]) if (d >= 0) ref = Math.max(ref, this.#reference(t, d, d));
    return ref;
  }

  /** Forgets the learned path (a new output device, say). */
  reset(): void {
    this.#count = 0;
    this.#next = 0;
    this.#estimate = null;
    this.#fresh = 0;
    this.#lastDelay = null;
    this.#trusted = false;
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
    // The delay is where the gain (the ratio's high quantile) comes out lowest: at a wrong
    // delay the ratio spreads both ways and its high quantile rises. (The log ratio's
    // variance, used before, is ruled by its ragged low tail — syllable onsets and gaps,
    // where the echo is at the noise — and put a 20 ms echo at 0 ms with a gain 3 dB high.)
    let bestDelay = -1;
    let best = Infinity;
    const scratch = this.#scratch;
    for (let i = 0; i < DELAYS.length; i++) {
      const r = this.#ratios[i]!;
      let m = 0;
      for (let k = 0; k < n; k++) {
        const v = r[k]!;
        if (v === v) scratch[m++] = v; // not NaN
      }
      if (m < MIN_TRAINED) continue;
      const q = quantile(scratch.subarray(0, m), QUANTILE);
      if (q < best - 1e-9) {
        best = q;
        bestDelay = i;
      }
    }
    if (bestDelay < 0) {
      this.#estimate = null;
      return;
    }
    const gain = Math.exp(best);
    const delaySec = DELAYS[bestDelay]!;
    this.#estimate = { gain, delaySec, frames: n };
    const steady = this.#lastDelay !== null && Math.abs(this.#lastDelay - delaySec) <= REPORT_SEC + 1e-9;
    const noEcho = this.#margin * gain < 0.01 * this.#prior;
    // Once trusted, trusted until reset(): a later solve only refines the estimate.
    if (n >= MIN_TRUSTED && (steady || noEcho)) this.#trusted = true;
    this.#lastDelay = delaySec;
  }
}

/** The `q` quantile of `values` (sorts them in place). */
function quantile(values: Float64Array, q: number): number {
  values.sort();
  return values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
}
