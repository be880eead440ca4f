/** Barge-in settings (the seed's `InterruptConfig`, in camelCase, tuned for duck-then-confirm). */
export interface InterruptConfig {
  /**
   * `VAD_ONLY` and `HYBRID` (default) act on VAD frames; `STT_ONLY` leaves barge-in to
   * transcripts (only final ones here: the cascade transcribes whole utterances).
   */
  mode: 'HYBRID' | 'VAD_ONLY' | 'STT_ONLY';
  /** Speech this long over the agent confirms an interruption, ms. Default 300 (seed: 500). */
  minInterruptionMs: number;
  /** Minimum VAD probability to count toward an interruption (0–1). Default 0: the VAD's own threshold. */
  minConfidence: number;
  /** How far the agent's voice is ducked while an interruption is unconfirmed, dB. Default −12. */
  duckDb: number;
  /**
   * Echo gate: during agent playback, mic level must exceed this fraction of the recent
   * output level for speech to count as the user's: to start a suspicion, and on most
   * frames until it is confirmed. Default 0.3 (about −10 dB; with the browser's echo
   * canceller on, echo usually sits 20 dB or more below). 0 disables the gate.
   */
  echoRatio: number;
  /** Silent VAD frames (32 ms) that end an unconfirmed interruption. Default 2. */
  releaseFrames: number;
}

export const DEFAULT_INTERRUPT_CONFIG: InterruptConfig = {
  mode: 'HYBRID',
  minInterruptionMs: 300,
  minConfidence: 0,
  duckDb: -12,
  echoRatio: 0.3,
  releaseFrames: 2,
};

/** What the detector sees with each VAD frame. */
export interface BargeInInput {
  /** Audio time of the frame's end, s. */
  at: number;
  probability: number;
  /** The agent is speaking or about to (thinking): an interruption would stop it. */
  agentActive: boolean;
  /** The current utterance may be interrupted. */
  interruptible: boolean;
  /** Recent mic and output RMS (linear), for the echo gate. */
  micRms: number;
  outRms: number;
}

export type BargeInAction = 'duck' | 'release' | 'confirm' | null;

const FRAME_SEC = 0.032;

/**
 * Duck-then-confirm barge-in. The first speech frame over the agent ducks its voice
 * (within one VAD frame); speech lasting `minInterruptionMs` confirms the interruption;
 * a blip (cough, click) releases the duck and playback carries on, nothing lost.
 */
export class BargeInDetector {
  #config: InterruptConfig;
  readonly #positive: number;
  readonly #negative: number;
  #candidateStart = -1;
  #silentFrames = 0;
  /** Speech frames of the candidate, and how many of them rose above the echo gate. */
  #frames = 0;
  #userFrames = 0;

  constructor(config: InterruptConfig, thresholds: { positive: number; negative: number }) {
    this.#config = config;
    this.#positive = Math.max(thresholds.positive, config.minConfidence);
    this.#negative = thresholds.negative;
  }

  /** True while an interruption is suspected but not yet confirmed (the voice is ducked). */
  get pending(): boolean {
    return this.#candidateStart >= 0;
  }

  /** Feeds one VAD frame; returns what to do now. */
  update(f: BargeInInput): BargeInAction {
    const c = this.#config;
    if (c.mode === 'STT_ONLY' || !f.agentActive || !f.interruptible) return this.reset();
    const echo = c.echoRatio > 0 && f.outRms > 0.001 && f.micRms < c.echoRatio * f.outRms;
    if (this.#candidateStart < 0) {
      if (f.probability >= this.#positive && !echo) {
        this.#candidateStart = f.at - FRAME_SEC;
        this.#silentFrames = 0;
        this.#frames = this.#userFrames = 1;
        return 'duck';
      }
      return null;
    }
    if (f.probability < this.#negative) {
      if (++this.#silentFrames >= c.releaseFrames) return this.reset();
      return null;
    }
    // The user's voice over the agent's echo passes the gate on some frames and not on
    // others (syllables vs the agent's loud ones): judge the majority, at confirmation.
    this.#silentFrames = 0;
    this.#frames++;
    if (!echo) this.#userFrames++;
    if ((f.at - this.#candidateStart) * 1000 >= c.minInterruptionMs) {
      const user = this.#userFrames >= this.#frames / 2;
      this.#candidateStart = -1;
      return user ? 'confirm' : 'release';
    }
    return null;
  }

  /** Forgets a pending candidate; returns 'release' if one was pending (so the duck is undone). */
  reset(): BargeInAction {
    const was = this.#candidateStart >= 0;
    this.#candidateStart = -1;
    this.#silentFrames = 0;
    return was ? 'release' : null;
  }
}
