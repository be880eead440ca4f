import { EarshotError } from '../errors';

/** Where a session is in its life. */
export type Phase = 'new' | 'starting' | 'started' | 'closing' | 'closed';

/** Work requested before the session could take it (a `say()` before `start()`). */
interface Deferred {
  run(): void;
  drop(): void;
}

/**
 * The session's start/close rules, apart from what starting and closing do:
 * - `start()` settles always: it resolves once started, or rejects with the failure (what
 *   was built is undone and a later `start()` retries), or with a `closed` error when
 *   `close()` comes first, without waiting for the step in progress.
 * - `start()` after `close()` rejects with `closed`; `close()` is idempotent.
 * - Work deferred before the session is ready runs, in order, once it is; `close()` drops it.
 */
export class Lifecycle {
  #phase: Phase = 'new';
  #starting: Promise<void> | null = null;
  #cancelStart: ((error: EarshotError) => void) | null = null;
  #closing: Promise<void> | null = null;
  #ready = false;
  readonly #deferred: Deferred[] = [];

  get phase(): Phase {
    return this.#phase;
  }

  /** `close()` or `leave()` was called. */
  get closing(): boolean {
    return this.#phase === 'closing' || this.#phase === 'closed';
  }

  /** Audio works and turns may run (from just before `onEnter` until closed; `onExit` may speak). */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Runs `open(check)`; `check()` throws `closed` once `close()` was called, so `open` calls
   * it after each step. `undo` releases what a failed attempt built.
   */
  start(open: (check: () => void) => Promise<void>, undo: () => Promise<void>): Promise<void> {
    if (this.closing) return Promise.reject(new EarshotError('closed', 'start() after close(): create a new session'));
    if (this.#phase === 'started') return Promise.resolve();
    if (this.#starting) return this.#starting;
    this.#phase = 'starting';
    const check = (): void => {
      if (this.closing) throw new EarshotError('closed', 'close() was called during start()');
    };
    const cancelled = new Promise<never>((_, reject) => (this.#cancelStart = reject));
    const attempt = open(check).then(
      () => {
        check();
        this.#phase = 'started';
        this.flush();
      },
      async (err: unknown) => {
        if (this.closing) throw err instanceof EarshotError && err.code === 'closed' ? err : new EarshotError('closed', 'close() was called during start()', { cause: err });
        await undo().catch(() => undefined);
        this.#ready = false;
        this.#phase = 'new';
        throw err;
      },
    );
    attempt.catch(() => undefined);
    cancelled.catch(() => undefined);
    const starting = Promise.race([attempt, cancelled]).finally(() => {
      if (this.#starting === starting) this.#starting = null;
      this.#cancelStart = null;
    });
    this.#starting = starting;
    return starting;
  }

  /** Marks audio usable: turns requested from now on run at once (`onEnter` may speak). */
  markReady(): void {
    this.#ready = true;
  }

  /**
   * Runs `run` now if ready (`onEnter` may speak), else once the session has started, after
   * `onEnter`; `drop` if it closes first. A failed start keeps it for the retry.
   */
  whenReady(run: () => void, drop: () => void): void {
    if (this.#ready) run();
    else if (this.closing) drop();
    else this.#deferred.push({ run, drop });
  }

  /** Runs the deferred work, in the order it was requested. */
  flush(): void {
    for (const d of this.#deferred.splice(0)) d.run();
  }

  /** Runs `close` once; a `start()` in progress rejects with `closed` at once. */
  close(close: () => Promise<void>): Promise<void> {
    this.#closing ??= (async () => {
      this.#phase = 'closing';
      this.#cancelStart?.(new EarshotError('closed', 'close() was called during start()'));
      for (const d of this.#deferred.splice(0)) d.drop();
      try {
        await close();
      } finally {
        this.#ready = false;
        this.#phase = 'closed';
      }
    })();
    return this.#closing;
  }
}

/** Waits for `work`, at most `ms`; its rejection passes through. */
export function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((r) => (timer = setTimeout(r, ms)));
  return Promise.race([work.then(() => undefined), limit]).finally(() => clearTimeout(timer));
}
