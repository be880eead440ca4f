/**
 * What Deepgram's two live endpoints share (spec/protocols.md §5, §12.2): the socket, browser
 * auth by subprotocol, s16le audio up, the unsettled audio kept for a resend, one reconnect
 * after an abnormal close, KeepAlive, the connect and stall limits, close codes to errors, and
 * events handed to the consumer as an async iterable. A subclass reads the messages.
 */

import { ProviderError, type ProviderErrorCode } from '../errors';
import type { ProviderAuth, STTStream, STTStreamEvent, STTStreamRequest, STTWord } from '../types';

/** A `WebSocket` class: the browser's, or e.g. the `ws` package's in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

export interface DeepgramSocketOptions extends ProviderAuth {
  /**
   * Default `wss://api.deepgram.com`. `http(s)://` becomes `ws(s)://`; a relative URL (a proxy
   * on the page's origin, e.g. `/deepgram`) resolves against `location`.
   */
  baseURL?: string;
  /** What `getToken()` returns: a grant JWT (`bearer`, default) or an API key (`token`). */
  tokenScheme?: 'bearer' | 'token';
  /** Hz of the audio frames given to `stream()`; sent as `sample_rate`. Default 16000. */
  sampleRate?: number;
  /** Sent as the subprotocol pair `['token', apiKey]`. In a page prefer `getToken`. */
  apiKey?: string;
  /** Called before each connection (a reconnect too); its JWT goes as `['bearer', jwt]`. */
  getToken?: () => Promise<string>;
  /** Default `globalThis.WebSocket`. Node 20 has none: pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** ms from `getToken()` to the socket being open. Default 10000. */
  connectTimeoutMs?: number;
  /** ms without any message while audio flows, or after Finalize / CloseStream. Default 10000. */
  stallTimeoutMs?: number;
  /** Reconnects after an abnormal close (1011, a dropped network…); the count starts over once a reconnected socket settles a result. Default 1. */
  reconnects?: number;
  /** Unsettled audio kept for a resend, in s (oldest dropped beyond it). Default 60. */
  maxBufferSec?: number;
}

type QueueItem = { event: STTStreamEvent } | { error: ProviderError } | { end: true };
interface Chunk {
  /** Index of its first sample since the stream began. */
  start: number;
  /** s16le, as sent. */
  bytes: Uint8Array;
}

// Close codes after which the same audio may succeed on a new socket.
const RETRYABLE_CLOSE = new Set([1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014]);

/**
 * Floats to s16le bytes, with the scaling of pcm.ts `float32ToInt16` (round(v × 32768),
 * clamped, NaN → 0). Written through a DataView so the bytes are little-endian on any host;
 * and importing pcm.ts here would split the core's shared chunk (+0.3 KB gzip to the core).
 */
function toLinear16(src: Float32Array): Uint8Array {
  const out = new Uint8Array(src.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < src.length; i++) view.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(src[i]! * 32768))) || 0, true);
  return out;
}

/** `x` as a finite number, else undefined. */
export const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
export const str = (x: unknown): string => (typeof x === 'string' ? x : '');

/** One `stream()` call. Subclasses read the messages and report settled audio. */
export abstract class DeepgramStream implements STTStream {
  protected readonly label: string;
  private readonly url: string;
  private readonly o: DeepgramSocketOptions;
  private readonly request: STTStreamRequest;
  private readonly rate: number;
  private readonly items: QueueItem[] = [];
  private wake: (() => void) | undefined;
  private done = false;
  private iterated = false;
  private ws: WebSocket | undefined;
  private opened = false;
  private errorText = '';
  /** Sample index where the current socket's time 0 is. */
  private offset = 0;
  private chunks: Chunk[] = [];
  private totalSamples = 0;
  private audioDone = false;
  private closeSent = false;
  private finalizeWanted = false;
  private reconnectsLeft: number;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private keepAliveTimer: ReturnType<typeof setTimeout> | undefined;
  private audioIt: AsyncIterator<Float32Array> | undefined;

  /** Sends `{"type":"KeepAlive"}` after this many ms without audio (0: never). */
  protected abstract readonly keepAliveMs: number;
  /** Reads one parsed message; throws a ProviderError on a malformed one. */
  protected abstract onMessage(msg: Record<string, unknown>): void;
  /** A new socket begins (its times restart at 0; results for unsettled audio come again). */
  protected abstract onConnection(): void;
  /** The stream ends normally: close what is open. */
  protected abstract onEnd(): void;
  /** Sends Finalize if the protocol has it; true when sent. */
  protected abstract sendFinalize(send: (msg: object) => void): boolean;
  /** Whether audio sent now must bring a message (the stall limit runs only then). Nova answers silence too; Flux only speaks during a turn. */
  protected expectsResults(): boolean {
    return true;
  }

  constructor(label: string, url: string, options: DeepgramSocketOptions, request: STTStreamRequest) {
    this.label = label;
    this.url = url;
    this.o = options;
    this.request = request;
    this.rate = options.sampleRate ?? 16000;
    this.reconnectsLeft = options.reconnects ?? 1;
  }

  finalize(): void {
    // Wanted until answered: a socket reopened before the answer sends it again.
    this.finalizeWanted = true;
    if (this.opened && !this.closeSent && this.sendFinalize((m) => this.sendJson(m))) this.armStall();
  }

  /** The subclass saw the answer to Finalize. */
  protected finalized(): void {
    this.finalizeWanted = false;
  }

  [Symbol.asyncIterator](): AsyncIterator<STTStreamEvent> {
    if (this.iterated) throw new Error(`${this.label}: a stream can be iterated once`);
    this.iterated = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<STTStreamEvent, void, undefined> {
    const { signal } = this.request;
    if (signal.aborted) return;
    const onAbort = () => this.finish({ end: true });
    signal.addEventListener('abort', onAbort, { once: true });
    void this.pumpAudio();
    void this.connect();
    try {
      for (;;) {
        const item = this.items.shift();
        if (!item) {
          await new Promise<void>((r) => (this.wake = r));
          continue;
        }
        if ('end' in item) return;
        if ('error' in item) throw item.error;
        yield item.event;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.finish({ end: true });
    }
  }

  // --- for subclasses ------------------------------------------------------------------------

  protected emit(event: STTStreamEvent): void {
    if (this.done) return;
    this.items.push({ event });
    this.wake?.();
  }

  /** Seconds of the stream's audio at `t` seconds of the current socket's time. */
  protected streamTime(t: number): number {
    return t + this.offset / this.rate;
  }

  /** Words of a message, with times moved to the stream's clock. */
  protected words(list: unknown, punctuated: boolean): STTWord[] {
    if (!Array.isArray(list)) return [];
    return list.map((w: Record<string, unknown>) => {
      const start = num(w.start);
      const end = num(w.end);
      const confidence = num(w.confidence);
      return {
        text: (punctuated && str(w.punctuated_word)) || str(w.word),
        ...(start !== undefined ? { start: this.streamTime(start) } : {}),
        ...(end !== undefined ? { end: this.streamTime(end) } : {}),
        ...(confidence !== undefined ? { confidence } : {}),
      };
    });
  }

  /** The provider will not revise audio before `t` (seconds of the current socket): it need not be resent. */
  protected settle(t: number): void {
    const upTo = this.offset + Math.round(t * this.rate);
    while (this.chunks.length && this.chunks[0]!.start + this.chunks[0]!.bytes.length / 2 <= upTo) this.chunks.shift();
    const first = this.chunks[0];
    if (first && first.start < upTo) this.chunks[0] = { start: upTo, bytes: first.bytes.subarray((upTo - first.start) * 2) };
    this.reconnectsLeft = this.o.reconnects ?? 1;
  }

  protected protocolError(message: string): ProviderError {
    return new ProviderError('provider-protocol', this.label, message);
  }

  // --- audio ---------------------------------------------------------------------------------

  private async pumpAudio(): Promise<void> {
    const it = (this.audioIt = this.request.audio[Symbol.asyncIterator]());
    try {
      for (;;) {
        const r = await it.next();
        if (this.done) return;
        if (r.done) break;
        if (r.value.length === 0) continue; // a zero-length frame used to mean "close"
        const chunk = { start: this.totalSamples, bytes: toLinear16(r.value) };
        this.totalSamples += r.value.length;
        this.chunks.push(chunk);
        const max = (this.o.maxBufferSec ?? 60) * this.rate;
        while (this.chunks.length > 1 && this.totalSamples - this.chunks[0]!.start > max) this.chunks.shift();
        if (this.opened) this.sendAudio(chunk);
      }
    } catch (err) {
      if (this.done || this.request.signal.aborted) return;
      return this.finish({ error: new ProviderError('provider-bad-request', this.label, `the audio source failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }) });
    }
    this.audioDone = true;
    if (this.opened) this.sendClose();
  }

  private sendAudio(chunk: Chunk): void {
    this.ws?.send(chunk.bytes);
    if (this.expectsResults()) this.armStall();
    this.armKeepAlive();
  }

  private sendJson(msg: object): void {
    this.ws?.send(JSON.stringify(msg));
  }

  private sendClose(): void {
    if (this.closeSent) return;
    this.closeSent = true;
    clearTimeout(this.keepAliveTimer);
    this.sendJson({ type: 'CloseStream' });
    this.armStall();
  }

  // --- the socket ----------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const ms = this.o.connectTimeoutMs ?? 10_000;
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => this.finish({ error: new ProviderError('provider-timeout', this.label, `no connection within ${ms} ms`, { retryable: true }) }), ms);
    let protocols: string[] | undefined;
    try {
      if (this.o.getToken) protocols = [this.o.tokenScheme ?? 'bearer', await this.o.getToken()];
      else if (this.o.apiKey) protocols = ['token', this.o.apiKey];
    } catch (err) {
      return this.finish({ error: new ProviderError('provider-auth', this.label, `getToken() failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }) });
    }
    if (this.done) return;
    const Ctor = this.o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) return this.finish({ error: new ProviderError('provider-network', this.label, 'no WebSocket in this environment: pass the `WebSocket` option') });
    let ws: WebSocket;
    try {
      ws = new Ctor(this.url, protocols);
    } catch (err) {
      return this.finish({ error: new ProviderError('provider-bad-request', this.label, `cannot open ${this.url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }) });
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.opened = false;
    this.closeSent = false;
    this.errorText = '';
    this.offset = this.chunks[0]?.start ?? this.totalSamples;
    this.onConnection();
    ws.onopen = () => {
      if (ws !== this.ws || this.done) return;
      clearTimeout(this.connectTimer);
      this.opened = true;
      for (const c of this.chunks) this.sendAudio(c); // audio that came while connecting, or the resend
      this.armKeepAlive();
      if (this.finalizeWanted) this.finalize();
      if (this.audioDone) this.sendClose();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (ws !== this.ws || this.done) return;
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
      if (typeof ev.data !== 'string') return this.finish({ error: this.protocolError('a binary frame from the server') });
      let msg: unknown;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return this.finish({ error: this.protocolError(`a frame that is not JSON: ${ev.data.slice(0, 80)}`) });
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.finish({ error: this.protocolError(`a frame that is not an object: ${ev.data.slice(0, 80)}`) });
      try {
        this.onMessage(msg as Record<string, unknown>);
      } catch (err) {
        this.finish({ error: err instanceof ProviderError ? err : this.protocolError(String(err)) });
      }
    };
    // Browsers say nothing here; Node's `ws` says "Unexpected server response: 401".
    ws.onerror = (ev: Event) => void (this.errorText = str((ev as { message?: unknown }).message));
    ws.onclose = (ev: CloseEvent) => this.onClose(ws, ev.code, ev.reason);
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws || this.done) return;
    clearTimeout(this.stallTimer);
    clearTimeout(this.keepAliveTimer);
    this.stallTimer = undefined;
    if (!this.opened) return this.finish({ error: this.handshakeError() });
    this.opened = false;
    // After CloseStream: Nova closes 1000 after its Metadata; Flux closes without a status (1005).
    if (this.closeSent && (code === 1000 || code === 1005)) {
      this.onEnd();
      return this.finish({ end: true });
    }
    if (RETRYABLE_CLOSE.has(code) && this.reconnectsLeft > 0) {
      this.reconnectsLeft--;
      void this.connect();
      return;
    }
    const [errorCode, retryable]: [ProviderErrorCode, boolean] =
      code === 1008 ? ['provider-auth', false]
      : code === 1002 || code === 1003 || code === 1007 || code === 1009 ? ['provider-bad-request', false]
      : code === 1006 ? ['provider-network', true]
      : ['provider-server', RETRYABLE_CLOSE.has(code)];
    this.finish({ error: new ProviderError(errorCode, this.label, `the socket closed with ${code}${reason ? ` ${reason}` : ''}`, { status: code, retryable }) });
  }

  /** A socket that closed before it opened. A page cannot see why; Node's `ws` names the HTTP status. */
  private handshakeError(): ProviderError {
    const status = Number(/\b([1-5]\d\d)\b/.exec(this.errorText)?.[1]) || undefined;
    const detail = this.errorText || 'the handshake failed (a page cannot see why: a bad key or token, a bad parameter, or the network)';
    const code: ProviderErrorCode =
      status === 401 || status === 403 ? 'provider-auth'
      : status === 429 ? 'provider-rate-limited'
      : status !== undefined && status >= 500 ? 'provider-server'
      : status !== undefined && status >= 400 ? 'provider-bad-request'
      : 'provider-network';
    return new ProviderError(code, this.label, `could not connect: ${detail}`, { ...(status ? { status } : {}), retryable: code === 'provider-network' || code === 'provider-server' || code === 'provider-rate-limited' });
  }

  /** Stall limit: from the first unanswered audio (or Finalize, CloseStream) to any message. */
  private armStall(): void {
    const ms = this.o.stallTimeoutMs ?? 10_000;
    if (this.stallTimer !== undefined || !(ms > 0 && Number.isFinite(ms))) return;
    this.stallTimer = setTimeout(() => this.finish({ error: new ProviderError('provider-timeout', this.label, `stream stalled: no result for ${ms} ms`, { retryable: true }) }), ms);
  }

  private armKeepAlive(): void {
    clearTimeout(this.keepAliveTimer);
    if (!(this.keepAliveMs > 0) || this.closeSent) return;
    this.keepAliveTimer = setTimeout(() => {
      if (!this.opened || this.closeSent || this.done) return;
      // No audio flows: the server has nothing to answer, so silence from it is no stall.
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
      this.sendJson({ type: 'KeepAlive' });
      this.armKeepAlive();
    }, this.keepAliveMs);
  }

  /** Ends the stream once: queues the last item, stops timers, the audio and the socket. */
  private finish(last: { end: true } | { error: ProviderError }): void {
    if (this.done) return;
    // An abort ends at once and wins over whatever failed because of it.
    if (this.request.signal.aborted) this.items.length = 0;
    this.items.push(this.request.signal.aborted ? { end: true } : last);
    this.done = true;
    this.wake?.();
    clearTimeout(this.connectTimer);
    clearTimeout(this.stallTimer);
    clearTimeout(this.keepAliveTimer);
    const ws = this.ws;
    if (ws && ws.readyState <= 1) {
      try {
        ws.close(1000);
      } catch {
        // already closing
      }
    }
    void Promise.resolve(this.audioIt?.return?.()).catch(() => undefined);
  }
}

/** `baseURL` + `path` as a ws(s) URL with `query`. */
export function listenURL(baseURL: string | undefined, path: string, query: Record<string, string | number | boolean | undefined>): string {
  const base = new URL(baseURL ?? 'wss://api.deepgram.com', (globalThis as { location?: { href: string } }).location?.href);
  base.protocol = base.protocol.replace(/^http/, 'ws');
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.href;
}
