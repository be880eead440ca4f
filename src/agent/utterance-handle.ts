import { EarshotError } from '../errors';

let counter = 0;

/**
 * One thing the agent says: a `say()`, a `reply()` or the answer to a user turn.
 * Awaitable (resolves when it has played out or was interrupted). Its `signal` aborts
 * on interruption, so TTS, fetches and tools working for it can stop.
 */
export class UtteranceHandle implements PromiseLike<void> {
  /** `utt_<n>`. */
  readonly id: string;
  /** False: only `interrupt({ force: true })` stops it. */
  readonly interruptible: boolean;
  readonly #abort = new AbortController();
  readonly #finished: Promise<void>;
  #resolve!: () => void;
  #done = false;
  #interrupted = false;

  constructor(options: { interruptible?: boolean } = {}) {
    this.id = `utt_${(++counter).toString(36)}`;
    this.interruptible = options.interruptible ?? true;
    this.#finished = new Promise<void>((r) => (this.#resolve = r));
  }

  /** True once played out or interrupted. */
  get done(): boolean {
    return this.#done;
  }

  /** True if it was interrupted before it had played out. */
  get interrupted(): boolean {
    return this.#interrupted;
  }

  /** Aborts when the utterance is interrupted. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Resolves when done (never rejects). */
  get finished(): Promise<void> {
    return this.#finished;
  }

  /**
   * Marks the utterance interrupted and aborts its work. A finished utterance is left
   * as it is (interrupting it is a no-op). A non-interruptible one throws unless `force`.
   * Use `session.interrupt()` to also stop the audio that is playing.
   */
  interrupt(options: { force?: boolean } = {}): void {
    if (this.#done) return;
    if (!this.interruptible && !options.force) {
      throw new EarshotError('config-invalid', `Utterance ${this.id} does not allow interruptions (use { force: true })`);
    }
    this.#interrupted = true;
    this.#abort.abort();
    this.markDone();
  }

  /** @internal Called by the session when playback ends. */
  markDone(): void {
    if (this.#done) return;
    this.#done = true;
    this.#resolve();
  }

  then<T1 = void, T2 = never>(
    onfulfilled?: ((value: void) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.#finished.then(onfulfilled, onrejected);
  }
}
