/**
 * The agent's own voice, heard back by the mic: an estimate of the echo path (coupling
 * gain and delay from the rendered output to the mic), learned while the agent speaks and
 * the user is silent, and a per-frame judgement in audio time: is there more in the mic
 * than the echo (and the mic's own noise) explains? Pure: levels in, verdicts out.
 *
 * Levels, not samples: the mixer reports its output level every ~33 ms (context time) and
 * the VAD reports each 32 ms mic frame's level. For each candidate delay d the reference
 * is the output level over the frame's span shifted back by d. At the true delay the mic
 * follows the output syllable by syllable, so mic / reference barely varies, and a high
 * quantile of it (the gain) is lowest there: that delay and that gain are the path. A
 * frame trains the path when the VAD hears nothing, or when the gate judged it echo (the
 * VAD hears the agent's voice as speech too, so "the VAD is quiet" alone would never
 * learn a loud echo).
 *
 * Until the path is learned (see {@link EchoPath.estimate}) the prior `priorGain` × the
 * loudest recent output is the bar; after, the learned echo alone, so a quiet user can
 * interrupt a loud agent whose voice does not reach the mic (headphones).
 */

/** Seconds covered by one mic frame (512 samples at 16 kHz). */
const FRAME_SEC = 0.032;
/** Candidate delays, s: 0 to 400 ms in 8 ms steps (output + input latency + room). */
const DELAYS: readonly number[] = Array.from({ length: 51 }, (_, i) => i * 0.008);
/** The longest of them, s. */
const MAX_DELAY = 0.4;
/** Span assumed for the first level report, s (the engine's default `levelIntervalMs`). */
const REPORT_SEC = 0.033;
/** Training ratios kept per delay (≈ 6 s of agent speech). */
const RING = 192;
/** The estimate is solved again after this many training frames (≈ 256 ms): cheap enough per frame. */
const SOLVE_EVERY = 8;
/**
 * Training frames (≈ 1.5 s of the agent's voice heard by the mic while the user is silent)
 * for an estimate, which then replaces the prior: the path is "trusted". In Chromium a
 * solve on 24 frames put an 80 ms echo at 48 ms (4 dB high); from 32 frames on it held at
 * 80 ms: 33 ms level reports blur neighbouring delays until enough syllable edges are seen.
 */
const MIN_TRAINED = 48;
/**
 * Slack either side of the learned delay when judging, s: half a level report. The
 * reports are 33 ms wide (and attributed in whole 128-sample quanta), so the delay is
 * known to about that; without the slack the echo's tail after the last syllable of a
 * sentence is, for a frame or two, echo the reference at one exact delay does not explain.
 */
const DELAY_SLACK = 0.016;
/**
 * The mic's noise floor follows quieter frames by this share of the gap (in dB) per frame,
 * and rises 3 dB a second ({@link NOISE_RISE}) over louder ones: it settles at the quiet
 * between words, follows a mic whose gain went up, and one odd frame (in Chromium a
 * dropout of the page's fake mic, 10 dB under its noise, pinned a plain minimum there and
 * let the noise itself through as the user) moves it a few dB only.
 */
const NOISE_FALL = 0.3;
const NOISE_RISE = 1.011;
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
  /** How far the mic must rise above the explained echo (and noise) to count as the user, linear. Default 2 (+6 dB). */
  margin?: number;
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
  /** The mic's noise floor, linear RMS (see {@link NOISE_FALL}); full scale before the first frame. */
  #noise = 1;

  constructor(options: EchoPathOptions) {
    this.#prior = options.priorGain;
    this.#margin = options.margin ?? 2;
  }

  /** The learned path, or null until it is trusted (while the prior rules). */
  get estimate(): EchoEstimate | null {
    // Solved once there are enough frames (at once: all of them are fresh), then every few.
    if (this.#count >= MIN_TRAINED && this.#fresh >= SOLVE_EVERY) this.#solve();
    return this.#estimate;
  }

  /** An output level report: `rms` over the interval ending at `t` (context seconds). */
  pushOutput(t: number, rms: number): void {
    const last = this.#outT.at(-1) ?? -1;
    // A report covers the audio since the previous one (a gap after a pause: the usual span).
    this.#outStart.push(t - last > 0 && t - last < 3 * REPORT_SEC ? last : t - REPORT_SEC);
    this.#outT.push(t);
    this.#outRms.push(rms);
    // About one report leaves the history per report that comes.
    while (this.#outT[0]! < t - HISTORY_SEC) {
      this.#outStart.shift();
      this.#outT.shift();
      this.#outRms.shift();
    }
  }

  /**
   * True when the output reports have arrived that judging a mic frame ending at `t` needs:
   * up to `t`, less the learned delay (less its slack: an echo under 16 ms waits a little
   * longer than it must) once the path is learned. In Chromium
   * a VAD frame reaches the main thread before the report of the output just rendered: the
   * latest report ended 10 ms before the frame did (median; 26 ms at p95). Judged at once,
   * the first syllable after a pause, echoing 20 ms later, found no output to explain it
   * and went to the user (three such frames made an echo-only run a phantom turn). True
   * when no report has come at all (levels off): there is nothing to wait for.
   */
  ready(t: number): boolean {
    const last = this.#outT.at(-1);
    const est = this.estimate;
    // No echo heard (40 dB under the prior): the output's latest part cannot change a verdict.
    return last === undefined || (est !== null && this.#margin * est.gain < 0.01 * this.#prior) || last >= t - (est ? est.delaySec - DELAY_SLACK : 0);
  }

  /**
   * True when a frame with `micRms` is the user's whatever output reports are still to
   * come: the learned echo of a full-scale output (RMS 1) and the noise cannot explain it
   * (or the gate is off). Such a frame need not wait for {@link ready}: with little or no
   * echo (headphones) the gate's hold (up to a report interval and its delivery, 30–130 ms
   * in the bench's figure 3) no longer delays the duck.
   */
  beyondEcho(micRms: number): boolean {
    const est = this.estimate;
    return this.#prior <= 0 || (est !== null && micRms > this.#margin * Math.hypot(est.gain, this.#noise, 1e-5));
  }

  /**
   * Judges a mic frame ending at `t` (context seconds) with `micRms`: true when it holds
   * more than the echo explains (the user's). Learns from it when it holds only echo:
   * `vadQuiet` (the VAD heard no speech) or judged so.
   */
  frame(t: number, micRms: number, vadQuiet: boolean): boolean {
    // The loudest output report that could echo into this frame (any delay), for both uses.
    const loudest = this.#reference(t, 0, MAX_DELAY);
    const user = this.#judge(t, micRms, loudest);
    // Digital silence (a mic opening, or muted) is no noise floor: at zero it would stay there.
    if (micRms > 1e-5) this.#noise *= micRms < this.#noise ? (micRms / this.#noise) ** NOISE_FALL : NOISE_RISE;
    if ((vadQuiet || !user) && loudest >= OUTPUT_FLOOR) this.#learn(t, micRms);
    return user;
  }

  #learn(t: number, micRms: number): void {
    const slot = this.#next;
    // The echo is what the mic holds over its noise: a noise-only frame says "no echo"
    // rather than "an echo as loud as the noise" (which, over the quiet ends of syllables,
    // would put the gain's high quantile near noise / quietest output).
    const n = 2 * this.#noise;
    const echo = Math.sqrt(Math.max(micRms * micRms - n * n, 1e-12));
    for (let i = 0; i < DELAYS.length; i++) {
      const ref = this.#reference(t, DELAYS[i]!, DELAYS[i]!);
      // Too little output at this delay to say anything (NaN: skipped by the solver).
      this.#ratios[i]![slot] = ref >= OUTPUT_FLOOR ? Math.log(echo / ref) : NaN;
    }
    this.#next = (slot + 1) % RING;
    this.#count = Math.min(this.#count + 1, RING);
    this.#fresh++;
  }

  #judge(t: number, micRms: number, loudest: number): boolean {
    // Gate off, or nothing audible could have echoed into this frame: it is the user's.
    if (this.#prior <= 0 || loudest < OUTPUT_FLOOR) return true;
    const est = this.estimate;
    // Until the path is learned, the prior: `priorGain` × the loudest output of the last
    // 400 ms. Then the learned echo and the noise (and −100 dBFS: a digitally silent mic
    // holds no one's voice). The noise counts as explained: Silero holds its speech
    // probability for a few frames after the echo stops, and such a frame (the mic at its
    // noise floor; in Chromium's fake capture, digital silence) went to the user when the
    // echo explained "nothing": stray frames that made an echo-only run a phantom turn.
    return micRms > (est ? this.#margin * Math.hypot(est.gain * this.#reference(t, est.delaySec - DELAY_SLACK, est.delaySec + DELAY_SLACK), this.#noise, 1e-5) : this.#prior * loudest);
  }

  /** Forgets the learned path (a new output device, say); the mic's noise floor stays. */
  reset(): void {
    this.#count = 0;
    this.#next = 0;
    this.#estimate = null;
    this.#fresh = 0;
    this.#outStart = [];
    this.#outT = [];
    this.#outRms = [];
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
      // Half the frames: a long delay's reference starts later, and must not lose to a wrong one for it.
      if (m < MIN_TRAINED / 2) continue;
      const q = scratch.subarray(0, m).sort()[(QUANTILE * m) | 0]!;
      if (q < best) {
        best = q;
        bestDelay = i;
      }
    }
    this.#estimate = bestDelay < 0 ? null : { gain: Math.exp(best), delaySec: DELAYS[bestDelay]!, frames: n };
  }
}
