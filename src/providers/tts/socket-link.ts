/**
 * The socket a TTS provider keeps open across utterances (ElevenLabs multi-context, Cartesia):
 * opened on demand with the vendor's URL credentials and a connect limit, shared by the
 * utterances speaking on it (each is a context id), frames routed to them by context id, and
 * closed after a while with no context. A vendor's {@link TTSWire} knows the messages.
 */

import { ProviderError, type ProviderErrorCode } from '../errors';

/** A `WebSocket` class: the browser's, or e.g. the `ws` package's in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/** What every socket TTS provider takes. */
export interface SocketTTSOptions {
  /** Sent on the socket in the vendor's way (see the provider). In a page prefer `getToken`. */
  apiKey?: string;
  /** Called before each connection (a reconnect too): a short-lived, browser-safe credential. */
  getToken?: () => Promise<string>;
  /** Default `globalThis.WebSocket`. Node 20 has none: pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** ms from `getToken()` to the socket being open. Default 10000. */
  connectTimeoutMs?: number;
  /** ms from the end of an utterance's text to its first audio. Default 10000. */
  firstAudioTimeoutMs?: number;
  /** New sockets tried after one drops mid-utterance (backoff 250 ms doubling, ≤ 4 s); the count starts over once audio flows again. Default 3. */
  reconnects?: number;
  /** ms the socket stays open with no utterance on it. Default 15000. */
  idleCloseMs?: number;
}

/** What a vendor's server frame means to an utterance. */
export type TTSFrame =
  | { kind: 'audio'; context: string; bytes: Uint8Array; /** Characters of the context's text this audio covers (alignment). */ chars?: number }
  /** Word end times (s from the context's first sample), as timestamps arrive. */
  | { kind: 'words'; context: string; ends: number[] }
  | { kind: 'final'; context: string }
  | { kind: 'error'; context?: string; error: ProviderError }
  | { kind: 'ignore' };

/** A vendor's messages. */
export interface TTSWire {
  readonly label: string;
  /** The socket URL with the credential (`token` from getToken, else `apiKey`) in the query. */
  url(credential: { token?: string; apiKey?: string }): string;
  /** The messages sending `text` on `context`: `first` opens it, `last` ends it (speak the rest, then end). */
  text(context: string, text: string, first: boolean, last: boolean): object[];
  /** The message that stops a context now (barge-in). */
  cancel(context: string): object;
  /** A message that keeps a context waiting for text alive, sent every `keepAliveMs` without text. */
  keepAlive?(context: string): object;
  readonly keepAliveMs?: number;
  /** Sent before the client closes an idle socket, if the vendor has one. */
  closeSocket?(): object;
  /** What one server frame means (usually one item). @throws ProviderError for a frame that breaks the protocol */
  parse(msg: Record<string, unknown>): TTSFrame[];
}

/** An utterance listening on a context. */
export interface ContextListener {
  frame(frame: TTSFrame): void;
  /** The socket is gone (or failed for every context): `error.retryable` says whether a new one may do. */
  dropped(error: ProviderError): void;
}

// Close codes after which a new socket may succeed.
const RETRYABLE_CLOSE = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014]);

let contextCount = 0;
/** A context id unique on the socket (and across reconnects). */
export function newContextId(): string {
  return `earshot-${Math.random().toString(36).slice(2, 10)}-${++contextCount}`;
}

export class SocketLink {
  readonly #wire: TTSWire;
  readonly #o: SocketTTSOptions;
  #ws: WebSocket | undefined;
  #opening: Promise<void> | undefined;
  /** The current socket's contexts (each socket has its own map, so a late close reaches only its own). */
  #listeners = new Map<string, ContextListener>();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(wire: TTSWire, options: SocketTTSOptions) {
    this.#wire = wire;
    this.#o = options;
  }

  /** Resolves once a socket is open (opening one if needed). @throws ProviderError */
  ready(): Promise<void> {
    if (this.#ws && this.#ws.readyState === 1) return Promise.resolve();
    if (this.#ws && this.#ws.readyState > 1) this.#ws = undefined; // closing: its own close still reaches its contexts
    this.#opening ??= this.#open().finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  listen(context: string, listener: ContextListener): void {
    clearTimeout(this.#idleTimer);
    this.#listeners.set(context, listener);
  }

  unlisten(context: string): void {
    this.#listeners.delete(context);
    if (this.#listeners.size === 0) this.#armIdle();
  }

  #armIdle(): void {
    const ms = this.#o.idleCloseMs ?? 15_000;
    clearTimeout(this.#idleTimer);
    if (ms > 0 && Number.isFinite(ms)) this.#idleTimer = setTimeout(() => this.close(), ms);
  }

  /** Sends JSON messages; false when no socket is open (the caller treats it as a drop). */
  send(messages: object[]): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== 1) return false;
    for (const m of messages) ws.send(JSON.stringify(m));
    return true;
  }

  /** Closes the socket now (contexts on it are dropped as not retryable). */
  close(): void {
    clearTimeout(this.#idleTimer);
    const ws = this.#ws;
    this.#ws = undefined;
    if (!ws) return;
    if (ws.readyState === 1 && this.#wire.closeSocket) ws.send(JSON.stringify(this.#wire.closeSocket()));
    if (ws.readyState <= 1) ws.close(1000);
    dropAll(this.#listeners, new ProviderError('provider-network', this.#wire.label, 'the socket was closed by the client'));
  }

  async #open(): Promise<void> {
    const label = this.#wire.label;
    const ms = this.#o.connectTimeoutMs ?? 10_000;
    // One limit over the token and the handshake.
    let ws: WebSocket | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      if (!(ms > 0 && Number.isFinite(ms))) return;
      timer = setTimeout(() => {
        if (ws) {
          ws.onclose = null;
          ws.close();
        }
        reject(new ProviderError('provider-timeout', label, `no connection within ${ms} ms`, { retryable: true }));
      }, ms);
    });
    deadline.catch(() => undefined);
    try {
      let token: string | undefined;
      if (this.#o.getToken) {
        try {
          token = await Promise.race([this.#o.getToken(), deadline]);
        } catch (err) {
          if (err instanceof ProviderError) throw err;
          throw new ProviderError('provider-auth', label, `getToken() failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
      }
      const Ctor = this.#o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
      if (!Ctor) throw new ProviderError('provider-network', label, 'no WebSocket in this environment: pass the `WebSocket` option');
      const url = this.#wire.url(token !== undefined ? { token } : this.#o.apiKey !== undefined ? { apiKey: this.#o.apiKey } : {});
      try {
        ws = new Ctor(url);
      } catch (err) {
        throw new ProviderError('provider-bad-request', label, `cannot open the socket: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      const socket = ws;
      socket.binaryType = 'arraybuffer';
      let errorText = '';
      const opened = new Promise<void>((resolve, reject) => {
        // Browsers say nothing here; Node's `ws` says "Unexpected server response: 401".
        socket.onerror = (ev: Event) => void (errorText = String((ev as { message?: unknown }).message ?? ''));
        socket.onclose = () => reject(handshakeError(label, errorText));
        socket.onopen = () => resolve();
      });
      await Promise.race([opened, deadline]);
    } finally {
      clearTimeout(timer);
    }
    this.#ws = ws;
    const listeners = (this.#listeners = new Map());
    this.#armIdle(); // until a context listens (its utterance may be gone already)
    ws.onmessage = (ev: MessageEvent) => this.#onMessage(ws, ev.data);
    ws.onclose = (ev: CloseEvent) => {
      if (ws === this.#ws) this.#ws = undefined;
      const code = ev.code;
      const [errorCode, retryable]: [ProviderErrorCode, boolean] =
        code === 1008 ? ['provider-auth', false]
        : code === 1002 || code === 1003 || code === 1007 || code === 1009 ? ['provider-bad-request', false]
        : code === 1006 || code === 1000 || code === 1005 ? ['provider-network', true]
        : ['provider-server', RETRYABLE_CLOSE.has(code)];
      dropAll(listeners, new ProviderError(errorCode, label, `the socket closed with ${code}${ev.reason ? ` ${ev.reason}` : ''}`, { status: code, retryable }));
    };
  }

  #onMessage(ws: WebSocket, data: unknown): void {
    if (ws !== this.#ws) return;
    const label = this.#wire.label;
    let msg: unknown;
    try {
      msg = typeof data === 'string' ? JSON.parse(data) : undefined;
    } catch {
      // Which context it was for is unknown: every context on the socket fails.
      return this.#fail(new ProviderError('provider-protocol', label, `a frame that is not JSON: ${String(data).slice(0, 80)}`));
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.#fail(new ProviderError('provider-protocol', label, typeof data === 'string' ? `a frame that is not an object: ${data.slice(0, 80)}` : 'a binary frame'));
    let frames: TTSFrame[];
    try {
      frames = this.#wire.parse(msg as Record<string, unknown>);
    } catch (err) {
      return this.#fail(err instanceof ProviderError ? err : new ProviderError('provider-protocol', label, String(err)));
    }
    for (const frame of frames) {
      if (frame.kind === 'ignore') continue;
      if (frame.kind === 'error' && frame.context === undefined) return this.#fail(frame.error);
      // Frames of a context nobody listens to (cancelled, or from before a reconnect) are dropped.
      this.#listeners.get(frame.context!)?.frame(frame);
    }
  }

  /** A failure of the socket as a whole: every context gets it and the socket is closed. */
  #fail(error: ProviderError): void {
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws && ws.readyState <= 1) ws.close(1000);
    dropAll(this.#listeners, error);
  }
}

function dropAll(map: Map<string, ContextListener>, error: ProviderError): void {
  const listeners = [...map.values()];
  map.clear();
  for (const l of listeners) l.dropped(error);
}

/** A socket that closed before it opened. A page cannot see why; Node's `ws` names the HTTP status. */
function handshakeError(label: string, errorText: string): ProviderError {
  const status = Number(/\b([1-5]\d\d)\b/.exec(errorText)?.[1]) || undefined;
  const detail = errorText || 'the handshake failed (a page cannot see why: a bad key or token, a bad parameter, or the network)';
  const code: ProviderErrorCode =
    status === 401 || status === 403 ? 'provider-auth'
    : status === 429 ? 'provider-rate-limited'
    : status !== undefined && status >= 500 ? 'provider-server'
    : status !== undefined && status >= 400 ? 'provider-bad-request'
    : 'provider-network';
  return new ProviderError(code, label, `could not connect: ${detail}`, { ...(status ? { status } : {}), retryable: code === 'provider-network' || code === 'provider-server' || code === 'provider-rate-limited' });
}

/** `baseURL` (http(s), ws(s) or relative to the page) + `path` as a ws(s) URL with `query`. */
export function socketURL(baseURL: string, path: string, query: Record<string, string | number | boolean | undefined>): string {
  const base = new URL(baseURL, (globalThis as { location?: { href: string } }).location?.href);
  base.protocol = base.protocol.replace(/^http/, 'ws');
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.href;
}

/** Standard base64 to bytes (`atob` exists in browsers, workers and Node ≥ 16). */
export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
