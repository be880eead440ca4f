/**
 * The switching logic shared by FallbackLLM, FallbackSTT and FallbackTTS: try providers in
 * order, move on when one fails in a way another may not (or is slow to start), keep a
 * failed one behind the others for a cool-down, and never switch once output has gone out.
 */

import { ConfigError } from '../errors';
import { ProviderError } from '../providers/errors';
import { raceNext } from '../providers/timeout';

/** Options shared by the fallback providers. */
export interface FallbackOptions<Req = unknown> {
  /**
   * ms a provider has to yield its first chunk (token, transcript, audio) before the next one
   * is tried; its request is aborted. Covers its own retries (give the providers
   * `maxRetries: 0` to switch on the first failure instead). Default 5000; 0 or `Infinity`:
   * no limit. Keep it under the session's own limits (`timeouts`).
   */
  firstChunkMs?: number;
  /**
   * ms a provider that failed (or was too slow) is tried only after the others; then it is
   * first again in its listed place. Default 30000.
   */
  cooldownMs?: number;
  /**
   * Whether a failure before any output moves on to the next provider. Default: a
   * {@link ProviderError} that is `retryable` (rate limits, overload, 5xx, network, timeouts);
   * others (auth, bad request) surface at once, since another provider is unlikely to differ.
   */
  shouldSwitch?: (error: unknown) => boolean;
  /** Called once per request when a provider yields its first chunk (or ends without one). */
  onServed?: (report: ServedReport<Req>) => void;
}

/** A provider that failed a request before another one took it over. */
export interface FallbackFailure {
  /** The provider's `label`. */
  label: string;
  /** Its place in the list given to the constructor, from 0. */
  index: number;
  error: unknown;
}

/** Which provider served a request, and what failed before it. */
export interface ServedReport<Req = unknown> {
  /** The serving provider's `label`, e.g. `anthropic:claude-haiku-4-5`. */
  label: string;
  /** Its place in the list, from 0 (0: the primary). */
  index: number;
  /** Providers that failed this request first, in the order tried. */
  failures: FallbackFailure[];
  /** The request as the fallback provider received it (for telling concurrent requests apart). */
  request: Req;
}

const defaultShouldSwitch = (error: unknown): boolean => error instanceof ProviderError && error.retryable;

/** Runs requests over a list of providers; see {@link FallbackOptions}. */
export class FallbackChain<P extends { readonly label: string }, Req extends { signal: AbortSignal }> {
  readonly providers: readonly P[];
  /** The last request's report (of any request: with concurrent requests, prefer `onServed`). */
  lastServed: ServedReport<Req> | undefined;
  readonly #firstMs: number;
  readonly #cooldownMs: number;
  readonly #shouldSwitch: (error: unknown) => boolean;
  readonly #onServed: ((report: ServedReport<Req>) => void) | undefined;
  /** performance.now() ms until which each provider sits behind the others. */
  readonly #downUntil: number[];

  constructor(kind: string, providers: readonly P[], options: FallbackOptions<Req>) {
    if (providers.length === 0) throw new ConfigError(`${kind} needs at least one provider`);
    const firstMs = options.firstChunkMs ?? 5000;
    const cooldownMs = options.cooldownMs ?? 30_000;
    if (!(firstMs >= 0)) throw new ConfigError(`${kind}: firstChunkMs must be a number of ms ≥ 0`);
    if (!(cooldownMs >= 0)) throw new ConfigError(`${kind}: cooldownMs must be a number of ms ≥ 0`);
    this.providers = [...providers];
    this.#firstMs = firstMs;
    this.#cooldownMs = cooldownMs;
    this.#shouldSwitch = options.shouldSwitch ?? defaultShouldSwitch;
    this.#onServed = options.onServed;
    this.#downUntil = providers.map(() => 0);
  }

  /** Indexes in the order to try now: the healthy ones as listed, then those cooling down. */
  order(now = performance.now()): number[] {
    const all = this.providers.map((_, i) => i);
    return [...all.filter((i) => this.#downUntil[i]! <= now), ...all.filter((i) => this.#downUntil[i]! > now)];
  }

  /**
   * Streams `open(provider, signal)` of the first provider that starts; see the class doc.
   * Ends quietly when `request.signal` aborts. Throws the last provider's error when all fail.
   */
  async *run<T>(request: Req, open: (provider: P, signal: AbortSignal) => AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
    const { signal } = request;
    const failures: FallbackFailure[] = [];
    let lastError: unknown;
    for (const index of this.order()) {
      if (signal.aborted) return;
      const provider = this.providers[index]!;
      const own = new AbortController();
      let it: AsyncIterator<T> | undefined;
      let done = false;
      try {
        let first: IteratorResult<T> | 'aborted';
        try {
          it = open(provider, AbortSignal.any([signal, own.signal]))[Symbol.asyncIterator]();
          first = await this.#first(it, signal, own, provider.label);
        } catch (error) {
          if (signal.aborted) return;
          if (!this.#shouldSwitch(error)) throw error;
          this.#markDown(index);
          failures.push({ label: provider.label, index, error });
          lastError = error;
          continue;
        }
        if (first === 'aborted') return;
        this.#downUntil[index] = 0;
        const report: ServedReport<Req> = { label: provider.label, index, failures, request };
        this.lastServed = report;
        this.#onServed?.(report);
        if (first.done) return void (done = true);
        // From here output has gone out: a failure surfaces, it is never replayed elsewhere.
        yield first.value;
        for (;;) {
          let next: IteratorResult<T>;
          try {
            next = await it!.next();
          } catch (error) {
            if (signal.aborted) return;
            if (this.#shouldSwitch(error)) this.#markDown(index); // the next request goes elsewhere
            throw error;
          }
          if (next.done) return void (done = true);
          yield next.value;
        }
      } finally {
        // Given up on (timeout, failure, the consumer stopped): let it clean up, without waiting.
        if (!done) {
          own.abort();
          void Promise.resolve(it?.return?.()).catch(() => undefined);
        }
      }
    }
    throw lastError;
  }

  #markDown(index: number): void {
    this.#downUntil[index] = performance.now() + this.#cooldownMs;
  }

  /** The first result within the limit; 'aborted' when the caller aborts first. */
  async #first<T>(it: AsyncIterator<T>, parent: AbortSignal, own: AbortController, label: string): Promise<IteratorResult<T> | 'aborted'> {
    const result = await raceNext(it, parent, this.#firstMs);
    if (result !== 'timeout') return result;
    const error = new ProviderError('provider-timeout', label, `no first chunk within ${this.#firstMs} ms`, { retryable: true });
    own.abort(error);
    throw error;
  }
}
