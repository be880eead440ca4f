import { DEFAULT_BACKCHANNELS } from './backchannel';

/** Barge-in settings (the seed's `InterruptConfig`, in camelCase, tuned for duck-then-confirm). */
export interface InterruptConfig {
  /**
   * What decides an interruption. `VAD_ONLY`: speech frames (behind the echo gate), for
   * `minInterruptionMs`. `STT_ONLY`: words: `minWords` (at least 1) that are not
   * backchannels, from a streaming STT's interim text as it comes, or from the batch
   * transcript of the utterance; the voice is not ducked. `HYBRID` (default): the VAD
   * decides, and with a streaming STT its words must agree: speech whose transcript so far
   * is only backchannels does not interrupt (no words after {@link STT_WAIT_MS}: the VAD's
   * decision stands, so a slow STT never makes the agent deaf).
   */
  mode: 'HYBRID' | 'VAD_ONLY' | 'STT_ONLY';
  /** Words (not backchannels) needed to interrupt, where transcripts decide (`STT_ONLY`, `HYBRID` with a streaming STT). Default 0 (`STT_ONLY`: 1). */
  minWords: number;
  /**
   * Phrases that acknowledge rather than interrupt ("mm-hm", "yeah", "okay", "right"…; see
   * `DEFAULT_BACKCHANNELS`). Where transcripts decide, they never interrupt; said alone
   * over the agent they do not become a turn either.
   */
  backchannels: readonly string[];
  /** Speech this long over the agent confirms an interruption, ms. Default 300 (seed: 500). */
  minInterruptionMs: number;
  /** Minimum VAD probability to count toward an interruption (0–1). Default 0: the VAD's own threshold. */
  minConfidence: number;
  /** How far the agent's voice is ducked while an interruption is unconfirmed, dB. Default −12. */
  duckDb: number;
  /**
   * Echo gate. While the agent speaks, a speech frame counts as the user's only when the
   * mic holds more than twice the echo of the path learned while the agent speaks and the
   * user is silent (gain and delay from the output to the mic, plus the mic's noise): to
   * start a suspicion, and on half the frames until it is confirmed. Until that path is
   * trusted (≈ 1.5 s of the agent's voice), the bar is this linear gain × the loudest
   * output of the last 400 ms. Default 0.3 (about −10 dB). 0 disables the gate.
   */
  echoRatio: number;
  /** Silent VAD frames (32 ms) that end an unconfirmed interruption. Default 2. */
  releaseFrames: number;
}

export const DEFAULT_INTERRUPT_CONFIG: InterruptConfig = {
  mode: 'HYBRID',
  minWords: 0,
  backchannels: DEFAULT_BACKCHANNELS,
  minInterruptionMs: 300,
  minConfidence: 0,
  duckDb: -12,
  echoRatio: 0.3,
  releaseFrames: 2,
};

/**
 * `HYBRID` with a streaming STT: how long after the VAD's decision the words may take to
 * arrive before the VAD's decision stands alone, ms.
 */
export const STT_WAIT_MS = 400;

/** What the detector sees with each VAD frame. */
export interface BargeInInput {
  /** Audio time of the frame's end, s. */
  at: number;
  probability: number;
  /** The agent is speaking or about to (thinking): an interruption would stop it. */
  agentActive: boolean;
  /** The current utterance may be interrupted. */
  interruptible: boolean;
  /** The echo gate's verdict on this frame: the mic holds more than the agent's echo. */
  user: boolean;
}

export type BargeInAction = 'duck' | 'release' | 'confirm' | null;

const FRAME_SEC = 0.032;
/**
 * Frames just before the first speech frame that may lead its run in: Silero's probability
 * climbs over 2–4 frames on a soft onset (a nasal, "m…"), and the user was speaking on them.
 */
const LEAD_IN_FRAMES = 3;
/**
 * Speech frames at the start of a run that the echo gate gave to the agent, taken back as
 * the user's onset when the user's first frame follows them at once: a voice rising out of
 * quiet is softer on its first frame or two than on its syllables, and over the agent's
 * echo the gate holds them back (0–2 frames in the bench's level/echo matrix). Counted, the
 * window starts at the onset, so the stop is the rule plus one frame rather than plus three.
 */
const ONSET_FRAMES = 2;

/**
 * Duck-then-confirm barge-in. The first speech frame over the agent that the echo gate
 * gives to the user ducks its voice (within one VAD frame); the interruption is confirmed
 * once the user's speech has lasted `minInterruptionMs`, counted from a frame of the user's
 * with at least half the frames since then the user's too (syllables of the user's voice
 * over the agent's echo pass the gate on some frames and not on others). A blip (cough,
 * click) or a stretch of echo releases the duck and playback carries on, nothing lost.
 */
export class BargeInDetector {
  #config: InterruptConfig;
  readonly #positive: number;
  readonly #negative: number;
  /** The current run of speech frames over the agent: end time and the gate's verdict. */
  #runAt: number[] = [];
  #runUser: boolean[] = [];
  #silentFrames = 0;
  #ducked = false;
  /** The frames before a run (end times), while they could be its lead-in: see {@link LEAD_IN_FRAMES}. */
  #lead: number[] = [];

  constructor(config: InterruptConfig, thresholds: { positive: number; negative: number }) {
    this.#config = config;
    this.#positive = Math.max(thresholds.positive, config.minConfidence);
    this.#negative = thresholds.negative;
  }

  /** True while an interruption is suspected but not yet confirmed (the voice is ducked). */
  get pending(): boolean {
    return this.#ducked;
  }

  /** Feeds one VAD frame; returns what to do now. */
  update(f: BargeInInput): BargeInAction {
    const c = this.#config;
    if (c.mode === 'STT_ONLY' || !f.agentActive || !f.interruptible) return this.reset();
    if (f.probability < this.#negative || (this.#runAt.length === 0 && f.probability < this.#positive)) {
      // Between the thresholds, the echo gate giving it to the user: the onset may be under way.
      if (this.#runAt.length === 0) this.#lead = f.probability >= this.#negative && f.user ? [...this.#lead, f.at].slice(-LEAD_IN_FRAMES) : [];
      if (this.#runAt.length > 0 && ++this.#silentFrames >= c.releaseFrames) return this.reset();
      return null;
    }
    this.#silentFrames = 0;
    if (this.#runAt.length === 0 && f.user) {
      // The user's speech began on the lead-in frames: the window counts from there.
      for (const at of this.#lead) {
        this.#runAt.push(at);
        this.#runUser.push(true);
      }
    }
    this.#lead = [];
    // The user's first frame right after a run's first few echo-judged ones: their onset.
    const n = this.#runAt.length;
    if (f.user && n > 0 && n <= ONSET_FRAMES && this.#runAt[0]! >= f.at - (ONSET_FRAMES + 0.5) * FRAME_SEC && !this.#runUser.includes(true)) this.#runUser.fill(true);
    this.#runAt.push(f.at);
    this.#runUser.push(f.user);
    const windowSec = c.minInterruptionMs / 1000;
    // Windows longer than two minimum ones are not looked at: bounds the work per frame
    // while the agent's echo keeps the VAD firing for a whole answer.
    let old = 0;
    while (old < this.#runAt.length && this.#runAt[old]! < f.at - 2 * windowSec - FRAME_SEC) old++;
    if (old > 0) {
      this.#runAt.splice(0, old);
      this.#runUser.splice(0, old);
    }
    if (this.#confirmed(f.at, windowSec)) {
      this.#clear();
      return 'confirm';
    }
    if (!this.#ducked) {
      if (!f.user) return null;
      this.#ducked = true;
      return 'duck';
    }
    // Ducked, but nothing of the user's for a whole window: the agent's own echo.
    if (!this.#userSince(f.at - windowSec)) {
      this.#ducked = false;
      return 'release';
    }
    return null;
  }

  /**
   * While ducked, after {@link update} with a frame of the user's: when the interruption
   * falls due if the next frame is the user's too, audio time (s), else null. The voice can
   * then be silenced on that instant in audio time, rather than a frame and the main
   * thread's delivery after it (if the frame does not confirm, the caller restores the duck).
   */
  dueAt(now: number): number | null {
    if (!this.#ducked || !this.#runUser.at(-1)) return null;
    const windowSec = this.#config.minInterruptionMs / 1000;
    this.#runAt.push(now + FRAME_SEC);
    this.#runUser.push(true);
    const start = this.#confirmedStart(now + FRAME_SEC, windowSec);
    this.#runAt.pop();
    this.#runUser.pop();
    return start === null ? null : start + windowSec;
  }

  /** Forgets the current run; returns 'release' if the voice was ducked (so the duck is undone). */
  reset(): BargeInAction {
    const was = this.#ducked;
    this.#clear();
    return was ? 'release' : null;
  }

  #clear(): void {
    this.#lead = [];
    this.#runAt = [];
    this.#runUser = [];
    this.#silentFrames = 0;
    this.#ducked = false;
  }

  /**
   * A frame of the user's, at least `windowSec` of speech ago (from its start), with at
   * least half the frames from it to now the user's.
   */
  #confirmed(now: number, windowSec: number): boolean {
    return this.#confirmedStart(now, windowSec) !== null;
  }

  /** The start of the latest frame that confirms (see {@link #confirmed}), audio time, s; null if none. */
  #confirmedStart(now: number, windowSec: number): number | null {
    const n = this.#runAt.length;
    let user = 0;
    // Walk back from now: `user` counts the user's frames from i to the end.
    for (let i = n - 1; i >= 0; i--) {
      if (this.#runUser[i]) user++;
      const start = this.#runAt[i]! - FRAME_SEC;
      if (now - start >= windowSec - 1e-6 && this.#runUser[i] && user * 2 >= n - i) return start;
    }
    return null;
  }

  #userSince(t: number): boolean {
    for (let i = this.#runAt.length - 1; i >= 0 && this.#runAt[i]! > t; i--) if (this.#runUser[i]) return true;
    return false;
  }
}
