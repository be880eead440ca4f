import { ConfigError } from '../errors';

export interface DynamicPausesOptions {
  /** Shortest endpoint silence returned, s. */
  minSec: number;
  /** Longest endpoint silence returned, s. */
  maxSec: number;
  /** Endpoint = learned pause × this, so a pause a little longer than usual still does not end the turn. Default 1.3. */
  margin?: number;
  /** Weight of each new turn in the moving average, 0–1 (exclusive of 0). Default 0.3. */
  smoothing?: number;
  /** Endpoint before anything is learned, s. Default `maxSec`: a new user is not cut off. */
  initialSec?: number;
}

/**
 * Learns how long this user pauses within a turn, and returns the silence after which
 * their turn is over: an exponential moving average of each turn's longest mid-turn pause,
 * × `margin`, clamped to [`minSec`, `maxSec`]. The longest pause of a turn counts, not
 * every pause: the endpoint must outlast the pauses in which the user thinks, not the
 * short ones between phrases.
 *
 * Feed it from the session: {@link observePause} for each silence after which the same
 * user spoke again before the agent answered (a pause that did not end the turn, however
 * long), {@link observeTurnEnd} when the agent takes the turn. Pure and deterministic.
 */
export class DynamicPauses {
  readonly minSec: number;
  readonly maxSec: number;
  readonly margin: number;
  readonly smoothing: number;
  /** Moving average of the turns' longest pauses, s. */
  #average: number;
  /** Longest pause of the turn under way, s; null when it had none. */
  #turnMax: number | null = null;
  #turns = 0;

  constructor(options: DynamicPausesOptions) {
    const { minSec, maxSec, margin = 1.3, smoothing = 0.3, initialSec = maxSec } = options;
    if (!(Number.isFinite(minSec) && Number.isFinite(maxSec) && minSec >= 0 && maxSec >= minSec)) {
      throw new ConfigError('DynamicPauses: minSec and maxSec must be seconds with 0 ≤ minSec ≤ maxSec');
    }
    if (!(Number.isFinite(margin) && margin > 0)) throw new ConfigError('DynamicPauses: margin must be a positive number');
    if (!(smoothing > 0 && smoothing <= 1)) throw new ConfigError('DynamicPauses: smoothing must be in (0, 1]');
    if (!(Number.isFinite(initialSec) && initialSec >= 0)) throw new ConfigError('DynamicPauses: initialSec must be seconds ≥ 0');
    this.minSec = minSec;
    this.maxSec = maxSec;
    this.margin = margin;
    this.smoothing = smoothing;
    this.#average = initialSec / margin;
  }

  /**
   * A silence of `sec` seconds inside the user's turn (speech followed it before the agent
   * answered). Values that are not finite or are negative are ignored; a pause longer than
   * `maxSec` counts as `maxSec`, so one long distraction cannot swamp the average.
   */
  observePause(sec: number): void {
    if (!(Number.isFinite(sec) && sec >= 0)) return;
    const pause = Math.min(sec, this.maxSec);
    this.#turnMax = this.#turnMax === null ? pause : Math.max(this.#turnMax, pause);
  }

  /** The user's turn ended (the agent answers): its longest pause joins the average. A turn without pauses teaches nothing. */
  observeTurnEnd(): void {
    if (this.#turnMax === null) return;
    this.#average += this.smoothing * (this.#turnMax - this.#average);
    this.#turnMax = null;
    this.#turns++;
  }

  /** Silence that ends the user's turn now, s, within [`minSec`, `maxSec`]. */
  get silenceSec(): number {
    return Math.min(this.maxSec, Math.max(this.minSec, this.#average * this.margin));
  }

  /** Turns that taught it something. */
  get learnedTurns(): number {
    return this.#turns;
  }
}
