/**
 * Reconnect for a realtime connection. A new socket starts a new, empty conversation, so a
 * drop (a retryable failure: the socket closed, the network went) is followed by a new
 * connection (its `session.update` is sent by `open`), the history replayed as
 * `conversation.item.create` messages, and then the mic audio the model has not committed yet:
 * what was sent before the drop but not turned into an item, plus what the mic said during the
 * gap. That buffer is bounded (`bufferSec`); nothing the user said within it is lost. Only when
 * the attempts run out does the iteration throw (a typed error, its cause the last failure).
 */

import type { MixerStream } from '../../audio/mixer';
import { ProviderError } from '../errors';
import { sleep } from '../http';
import type { RealtimeEvent, RealtimeLink } from './realtime-socket';
import { REALTIME_RATE } from './realtime-socket';

/** A message of the history to replay on a new connection. */
export interface ReplayMessage {
  role: 'user' | 'assistant';
  text: string;
}

export interface ReconnectOptions {
  /** Opens a new connection with the session settings sent. */
  open: (signal: AbortSignal) => Promise<RealtimeLink>;
  /** The conversation so far (awaited once what was heard of an interrupted answer is in). */
  history: () => Promise<readonly ReplayMessage[]>;
  /** Connection attempts after a drop before giving up. Default 5. */
  attempts?: number;
  /** Uncommitted mic audio kept for the replay, seconds. Default 30. */
  bufferSec?: number;
}

/** What the conductor hears besides the server's events. */
export type LinkEvent = RealtimeEvent | { type: 'dropped'; error: ProviderError } | { type: 'reconnected'; attempts: number };

/** ms before attempt `n` (0-based): 250, 500, 1000, 2000, 4000… */
const backoff = (n: number) => Math.min(4000, 250 * 2 ** n);

/** A {@link RealtimeLink} that survives drops (see the module comment). */
export class ResilientLink implements RealtimeLink {
  readonly label: string;
  #link: RealtimeLink;
  #live = true;
  #closed = false;
  readonly #stop = new AbortController();
  readonly #o: ReconnectOptions;
  /** Mic audio (24 kHz) since the last commit, oldest first. */
  #pending: Float32Array[] = [];
  #pendingLength = 0;

  constructor(first: RealtimeLink, options: ReconnectOptions) {
    this.#link = first;
    this.label = first.label;
    this.#o = options;
  }

  send(event: { type: string } & Record<string, unknown>): void {
    if (this.#live) this.#link.send(event);
  }

  appendAudio(samples: Float32Array): void {
    if (!samples.length) return;
    this.#pending.push(samples.slice());
    this.#pendingLength += samples.length;
    const max = (this.#o.bufferSec ?? 30) * REALTIME_RATE;
    while (this.#pendingLength > max && this.#pending.length > 1) this.#pendingLength -= this.#pending.shift()!.length;
    if (this.#live) this.#link.appendAudio(samples);
  }

  clearOutput(): void {
    if (this.#live) this.#link.clearOutput?.();
  }

  playTo(itemId: string, stream: MixerStream): boolean {
    return this.#live && (this.#link.playTo?.(itemId, stream) ?? false);
  }

  endPlayback(stream: MixerStream): void {
    if (this.#link.endPlayback) this.#link.endPlayback(stream);
    else stream.end();
  }

  drop(itemId: string): void {
    if (this.#live) this.#link.drop?.(itemId);
  }

  close(): void {
    this.#closed = true;
    this.#stop.abort();
    this.#link.close();
  }

  async *events(): AsyncGenerator<LinkEvent> {
    for (;;) {
      try {
        for await (const e of this.#link) {
          // What the server committed is an item now: the replay carries it as text.
          if (e.type === 'committed') this.#clearPending();
          yield e;
        }
        return;
      } catch (error) {
        if (this.#closed || !(error instanceof ProviderError) || !error.retryable) throw error;
        this.#live = false;
        yield { type: 'dropped', error };
        yield { type: 'reconnected', attempts: await this.#reconnect(error) };
      }
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RealtimeEvent> {
    return this.events() as AsyncGenerator<RealtimeEvent>;
  }

  #clearPending(): void {
    this.#pending = [];
    this.#pendingLength = 0;
  }

  async #reconnect(first: ProviderError): Promise<number> {
    const attempts = this.#o.attempts ?? 5;
    let last: unknown = first;
    for (let n = 0; n < attempts; n++) {
      await sleep(backoff(n), this.#stop.signal);
      try {
        const link = await this.#o.open(this.#stop.signal);
        if (this.#closed) {
          link.close();
          throw this.#stop.signal.reason;
        }
        for (const m of await this.#o.history()) {
          const content = [{ type: m.role === 'user' ? 'input_text' : 'output_text', text: m.text }];
          link.send({ type: 'conversation.item.create', item: { type: 'message', role: m.role, content } });
        }
        for (const samples of this.#pending) link.appendAudio(samples);
        this.#link = link;
        this.#live = true;
        return n + 1;
      } catch (error) {
        if (this.#closed) throw error;
        last = error;
        if (error instanceof ProviderError && !error.retryable) break;
      }
    }
    const code = last instanceof ProviderError ? last.code : first.code;
    throw new ProviderError(code, this.label, `the connection dropped and ${attempts} reconnects failed: ${last instanceof Error ? last.message : String(last)}`, { cause: last });
  }
}
