import type { UtteranceHandle } from '../agent/utterance-handle';
import type { Prefetch } from '../turn/prefetch';
import type { Turn, TurnOutcome } from '../turn/turn';
import type { TurnClock } from '../telemetry/turn-metrics';

interface TurnQueueDeps {
  /** A turn for `handle` (answering with `prefetch`'s providers), or null once the session cannot speak (closed). */
  make(handle: UtteranceHandle, prefetch?: Prefetch, clock?: TurnClock): Turn | null;
  /** A turn ended with `outcome` (not called when it threw). */
  finished(outcome: TurnOutcome): void;
  report(error: unknown): void;
  /** After every turn, once its handle is done. */
  after(): void;
}

/**
 * The session's turns, one after another: the one running, the ones waiting, and the
 * chain's tail (which never rejects: a failing turn is reported).
 */
export class TurnQueue {
  /** The turn running now, if any. */
  current: Turn | null = null;
  #tail: Promise<void> = Promise.resolve();
  /** Turns scheduled but not yet running (true: an answer to the user's speech): `dropQueued()` ends them. */
  readonly #queued = new Map<UtteranceHandle, boolean>();
  readonly #deps: TurnQueueDeps;

  constructor(deps: TurnQueueDeps) {
    this.#deps = deps;
  }

  /** Resolves when every turn scheduled so far has ended. */
  get tail(): Promise<void> {
    return this.#tail;
  }

  /** Runs `body` on a new turn for `handle` after the turns before it; `clock`: the user turn's latency marks. */
  schedule(handle: UtteranceHandle, body: (turn: Turn) => Promise<TurnOutcome>, prefetch?: Prefetch, clock?: TurnClock): void {
    this.#queued.set(handle, clock !== undefined);
    const run = async () => {
      this.#queued.delete(handle);
      if (handle.done) return void prefetch?.discard();
      let turn: Turn | null = null;
      try {
        turn = this.#deps.make(handle, prefetch, clock);
        if (!turn) return;
        this.current = turn;
        this.#deps.finished(await body(turn));
      } catch (error) {
        this.#deps.report(error);
      } finally {
        // All synchronous: code awaiting the handle resumes after the states are settled.
        if (turn && this.current === turn) this.current = null;
        handle.markDone();
        this.#deps.after();
      }
    };
    this.#tail = this.#tail.then(run, run).catch((error: unknown) => this.#deps.report(error));
  }

  /** Ends the turns that have not started (their handles end interrupted); `answers`: only the answers to the user's speech. */
  dropQueued(answers = false): void {
    for (const [h, answer] of this.#queued) {
      if (answers && !answer) continue;
      h.interrupt({ force: true });
      this.#queued.delete(h);
    }
  }
}
