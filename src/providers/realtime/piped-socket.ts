/**
 * A Realtime socket held by the TTS audio worker (issue 9: no starvation in a busy page): the
 * model's audio goes from the worker straight to the mixer worklet once the conductor names an
 * item's stream ({@link PipedRealtimeSocket.playTo}); events, and a copy of the audio for
 * accounting, come here. Where no worker runs (Node, a CSP without worker-src, a failed load),
 * {@link openRealtimeLink} opens a {@link RealtimeSocket} on the main thread instead.
 */

import type { MixerStream } from '../../audio/mixer';
import { ProviderError } from '../errors';
import { fromPipeError } from '../tts/pipe-error';
import type { PipeEvent } from '../tts/pipe-protocol';
import { pipeHold, pipeId, pipeListen, pipeMixer, pipePost } from '../tts/tts-pipe';
import { EventQueue } from './event-queue';
import { RealtimeSocket, type RealtimeEvent, type RealtimeLink, type RealtimeSocketOptions } from './realtime-socket';

/**
 * Opens the socket in the audio worker, or on the main thread when `o.WebSocket` is given (a
 * class cannot cross to a worker) or no worker can run here. Rejects as `RealtimeSocket.open`.
 */
export async function openRealtimeLink(o: RealtimeSocketOptions): Promise<RealtimeLink> {
  const piped = o.WebSocket ? null : await PipedRealtimeSocket.open(o);
  return piped ?? RealtimeSocket.open(o);
}

export class PipedRealtimeSocket implements RealtimeLink {
  readonly label: string;
  readonly #id: number;
  readonly #queue = new EventQueue();
  readonly #release: () => void;
  #closing = false;

  private constructor(id: number, label: string, release: () => void) {
    this.#id = id;
    this.label = label;
    this.#release = release;
  }

  /** Resolves with the open socket, or null if the worker cannot run here (before any connection). */
  static open(o: RealtimeSocketOptions): Promise<PipedRealtimeSocket | null> {
    const release = pipeHold();
    if (!release) return Promise.resolve(null);
    const id = pipeId();
    const socket = new PipedRealtimeSocket(id, o.label, release);
    const ms = o.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let opened = false;
      const settle = () => {
        opened = true;
        clearTimeout(backstop);
        o.signal?.removeEventListener('abort', onAbort);
      };
      // The worker times the connection itself; this covers a worker that stopped answering.
      const backstop = setTimeout(() => {
        settle();
        socket.close();
        reject(new ProviderError('provider-timeout', o.label, `no connection within ${ms} ms (the audio worker did not answer)`, { retryable: true }));
      }, ms + 2000);
      const onAbort = () => {
        settle();
        socket.close();
        reject(o.signal?.reason ?? new DOMException('aborted', 'AbortError'));
      };
      pipeListen(
        id,
        (e) => {
          if (opened) return socket.#on(e);
          if (e.type !== 'rt-open') return;
          settle();
          if (!e.error) return resolve(socket);
          socket.#dispose();
          reject(fromPipeError(e.error, o.label));
        },
        () => {
          if (opened) return socket.#fail(new ProviderError('provider-network', o.label, 'the audio worker holding the socket failed', { retryable: true }));
          // The worker failed to load: the main thread opens the socket instead.
          settle();
          socket.#dispose();
          resolve(null);
        },
      );
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      pipePost({ type: 'rt-open', link: id, url: o.url, key: o.key, label: o.label, connectTimeoutMs: ms });
    });
  }

  /** Sends one client event (dropped once the socket is closing). */
  send(event: { type: string } & Record<string, unknown>): void {
    if (!this.#closing) pipePost({ type: 'rt-send', link: this.#id, event });
  }

  /** Appends mono 24 kHz float samples to the input buffer (pcm16 base64, encoded in the worker). */
  appendAudio(samples: Float32Array): void {
    if (samples.length && !this.#closing) pipePost({ type: 'rt-append', link: this.#id, samples });
  }

  /** Item `itemId`'s audio, held in the worker since its first delta, goes to `stream` from there on. */
  playTo(itemId: string, stream: MixerStream): boolean {
    if (this.#closing) return false;
    return pipePost({ type: 'rt-play', link: this.#id, item: itemId, mixer: pipeMixer(stream.mixer), stream: stream.id, rate: stream.sourceRate });
  }

  /** Ends `stream` through the worker, after the audio it delivered (the two ports to the worklet are not ordered). */
  endPlayback(stream: MixerStream): void {
    if (!pipePost({ type: 'end-stream', mixer: pipeMixer(stream.mixer), stream: stream.id })) stream.end();
  }

  /** Item `itemId`'s audio is not played: the worker drops what it holds and what follows. */
  drop(itemId: string): void {
    if (!this.#closing) pipePost({ type: 'rt-drop', link: this.#id, item: itemId });
  }

  /** Closes the socket; the iteration ends quietly. Idempotent. */
  close(): void {
    if (this.#closing) return;
    pipePost({ type: 'rt-close', link: this.#id });
    this.#queue.push({ end: true });
    this.#dispose();
  }

  [Symbol.asyncIterator](): AsyncIterator<RealtimeEvent> {
    return this.#queue[Symbol.asyncIterator]();
  }

  #on(e: PipeEvent): void {
    if (e.type === 'rt-event') {
      const ev = e.event;
      this.#queue.push({ event: ev.type === 'error' ? { ...ev, error: fromPipeError(ev.error, this.label) } : ev });
    } else if (e.type === 'rt-end') {
      if (e.error) this.#fail(fromPipeError(e.error, this.label));
      else {
        this.#queue.push({ end: true });
        this.#dispose();
      }
    }
  }

  #fail(error: ProviderError): void {
    this.#queue.push({ error });
    this.#dispose();
  }

  #dispose(): void {
    this.#closing = true;
    pipeListen(this.#id, null);
    this.#release();
  }
}
