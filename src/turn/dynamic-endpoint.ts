import type { EndpointLearner, EndpointLearnerFactory } from '../session/pipeline';
import { DynamicPauses } from './dynamic-pauses';

/** Silent frames (32 ms) inside an utterance that count as a pause when speech resumes (≈ 100 ms). */
const PAUSE_FRAMES = 3;

/**
 * `eou.endpointing: dynamicEndpointing()`: the wait after the VAD's end of speech, learned
 * from this user's pauses (see {@link DynamicEndpoint}). Its own entry (`earshot/turn`), so
 * apps that do not use it do not download it.
 */
export function dynamicEndpointing(): EndpointLearnerFactory {
  return (redemptionSec, minMax) => new DynamicEndpoint(redemptionSec, minMax);
}

/**
 * Learns how long this user pauses without ending their turn,
 * from the VAD (silences inside an utterance, and the gap to speech that resumed after the
 * VAD had ended one before the agent answered), and says how long to wait after the VAD's
 * end of speech: the learned endpoint silence minus the VAD's own, within the
 * `minMaxSpeechWaitTimeout` range. It starts at `min`: a user who does not pause waits no
 * longer than with `'vad'`.
 */
export class DynamicEndpoint implements EndpointLearner {
  readonly #pauses: DynamicPauses;
  readonly #redemptionSec: number;
  #speaking = false;
  #silent = 0;
  /** Audio time where the last utterance of the user's ended; null once the agent answered. */
  #lastEnd: number | null = null;

  constructor(redemptionSec: number, [min, max]: readonly [number, number]) {
    this.#redemptionSec = redemptionSec;
    this.#pauses = new DynamicPauses({ minSec: redemptionSec + min, maxSec: redemptionSec + max, initialSec: redemptionSec + min });
  }

  /** Extra wait after the VAD's end of speech before the turn ends, ms. */
  get waitMs(): number {
    return Math.max(0, this.#pauses.silenceSec - this.#redemptionSec) * 1000;
  }

  /** The user spoke again at `at`: after an utterance the agent has not answered, that gap was a pause. */
  speechStarted(at: number): void {
    if (this.#lastEnd !== null) this.#pauses.observePause(at - this.#lastEnd);
    this.#lastEnd = null;
    this.#speaking = true;
    this.#silent = 0;
  }

  /** A VAD frame while the user speaks: a run of silence that speech ends is a pause. */
  frame(probability: number, positive: number, negative: number): void {
    if (!this.#speaking) return;
    if (probability < negative) this.#silent++;
    else if (probability >= positive) {
      if (this.#silent >= PAUSE_FRAMES) this.#pauses.observePause(this.#silent * 0.032);
      this.#silent = 0;
    }
  }

  /** The VAD ended an utterance of the user's; `lastSpeechAt`: where their speech stopped. */
  speechEnded(lastSpeechAt: number): void {
    this.#speaking = false;
    this.#lastEnd = lastSpeechAt;
  }

  /** The agent speaks: the user's turn is over, and what it taught joins what was learned. */
  agentSpoke(): void {
    if (this.#speaking) return; // speech over the agent is not a turn's end
    if (this.#lastEnd === null) return;
    this.#lastEnd = null;
    this.#pauses.observeTurnEnd();
  }
}
