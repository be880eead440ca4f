/**
 * Time limits on a provider's stream: a first-chunk limit (covers the request, retries and
 * the wait for the first token or byte) and a stall limit between chunks. A limit that
 * fires aborts the provider's own signal (so its fetch is dropped) and throws a
 * `provider-timeout` {@link ProviderError}; the caller's abort ends the stream quietly.
 */

import { ProviderError } from './errors';

export interface StreamLimits {
  /** e.g. `openai:tts-1`, for the error. */
  provider: string;
  /** What is waited for, in the error message: `first token`, `first audio byte`… */
  what: string;
  /** ms until the first chunk. `Infinity` or 0: no limit. */
  firstMs: number;
  /** ms between chunks (and from the last chunk to the end). `Infinity` or 0: no limit. */
  stallMs: number;
}

/**
 * Iterates `open(signal)` under `limits`. Time spent by the consumer between chunks (e.g.
 * waiting for playback to catch up) does not count: only a pending `next()` is timed.
 */
export async function* withTimeouts<T>(open: (signal: AbortSignal) => AsyncIterable<T>, parent: AbortSignal, limits: StreamLimits): AsyncGenerator<T, void, undefined> {
  const own = new AbortController();
  const signal = AbortSignal.any([parent, own.signal]);
  const it = open(signal)[Symbol.asyncIterator]();
  let first = true;
  let finished = false;
  try {
    for (;;) {
      const ms = first ? limits.firstMs : limits.stallMs;
      const result = await raceNext(it, parent, ms);
      if (result === 'aborted') return;
      if (result === 'timeout') {
        if (parent.aborted) return;
        const label = first ? `no ${limits.what} within ${ms} ms` : `stream stalled: nothing for ${ms} ms`;
        const error = new ProviderError('provider-timeout', limits.provider, label, { retryable: true });
        own.abort(error);
        throw error;
      }
      if (result.done) {
        finished = true;
        return;
      }
      first = false;
      yield result.value;
    }
  } finally {
    // Ended early (break, timeout, error): let the provider clean up, without waiting on it.
    if (!finished) {
      own.abort();
      void Promise.resolve(it.return?.()).catch(() => undefined);
    }
  }
}

/**
 * `it.next()` raced against a limit of `ms` (0 or `Infinity`: none) and against `parent`'s
 * abort: a provider that ignores its signal must not hold the turn after an abort. Once it
 * lost (`timeout`, `aborted`) the pending `next()` is left to settle unobserved.
 */
export async function raceNext<T>(it: AsyncIterator<T>, parent: AbortSignal, ms: number): Promise<IteratorResult<T> | 'timeout' | 'aborted'> {
  const next = it.next();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const racers: Promise<IteratorResult<T> | 'timeout' | 'aborted'>[] = [next];
  if (ms > 0 && Number.isFinite(ms)) racers.push(new Promise((r) => (timer = setTimeout(() => r('timeout'), ms))));
  racers.push(new Promise((r) => parent.addEventListener('abort', (onAbort = () => r('aborted')), { once: true })));
  if (parent.aborted) onAbort?.();
  try {
    return await Promise.race(racers);
  } finally {
    clearTimeout(timer);
    if (onAbort) parent.removeEventListener('abort', onAbort);
    next.catch(() => undefined);
  }
}

/**
 * Runs `fn(signal)` with a limit of `ms` (0 or `Infinity`: none). On timeout `signal`
 * aborts and the promise rejects with `onTimeout()`'s error, whether or not `fn` stops.
 */
export function withDeadline<T>(fn: (signal: AbortSignal) => Promise<T>, parent: AbortSignal, ms: number, onTimeout: () => Error): Promise<T> {
  if (!(ms > 0 && Number.isFinite(ms))) return fn(parent);
  const own = new AbortController();
  const work = fn(AbortSignal.any([parent, own.signal]));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = onTimeout();
      own.abort(error);
      reject(error);
    }, ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
