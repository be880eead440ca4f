/**
 * One OpenAI Realtime (GA) WebSocket (spec/protocols.md §4, §12.1): browser auth by
 * subprotocol, the connect limit, pcm16 24 kHz audio up as base64 appends, and the server's
 * events parsed into a small typed stream ({@link RealtimeEvent}). Unknown events are ignored;
 * the server's `error` events are in-band (the socket stays open) and arrive as `error` events.
 */

import type { MixerStream } from '../../audio/mixer';
import { ProviderError, type ProviderErrorCode } from '../errors';
import { EventQueue } from './event-queue';

/** A `WebSocket` class: the browser's, or e.g. the `ws` package's in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/** The audio rate of the Realtime API both ways, Hz. */
export const REALTIME_RATE = 24000;

/** What the server said, normalized. Times are ms of input audio; `samples` are 24 kHz floats. */
export type RealtimeEvent =
  | { type: 'session'; session: Record<string, unknown> }
  | { type: 'speech_started'; itemId: string; audioStartMs: number }
  | { type: 'speech_stopped'; itemId: string; audioEndMs: number }
  /** The user's audio became a conversation item. */
  | { type: 'committed'; itemId: string }
  | { type: 'user_transcript'; itemId: string; text: string }
  | { type: 'response_started'; responseId: string }
  | { type: 'audio'; responseId: string; itemId: string; samples: Float32Array }
  | { type: 'transcript_delta'; responseId: string; itemId: string; delta: string }
  | { type: 'transcript_done'; responseId: string; itemId: string; text: string }
  | { type: 'function_call'; responseId: string; itemId: string; callId: string; name: string; arguments: string }
  | { type: 'response_done'; responseId: string; status: string }
  | { type: 'truncated'; itemId: string; audioEndMs: number }
  /** WebRTC: the server started, finished or cleared sending a response's audio on the track. */
  | { type: 'audio_buffer'; state: 'started' | 'stopped' | 'cleared'; responseId: string }
  /** A response's output item began (its id names the audio item of a WebRTC response). */
  | { type: 'item_added'; responseId: string; itemId: string; itemType: string }
  /** An in-band `error` event (`eventId`: the client event it answers, if known); the socket stays open. */
  | { type: 'error'; error: ProviderError; eventId?: string };

export interface RealtimeSocketOptions {
  url: string;
  /** The credential sent as `openai-insecure-api-key.<key>`: an `ek_` secret in a page. */
  key: string;
  label: string;
  WebSocket?: WebSocketConstructor;
  /** ms to an open socket. Default 10000. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A realtime connection as the conductor uses it: a {@link RealtimeSocket}, or a WebRTC call
 * (`RealtimeRTC`), whose audio is a track rather than events.
 */
export interface RealtimeLink extends AsyncIterable<RealtimeEvent> {
  readonly label: string;
  send(event: { type: string } & Record<string, unknown>): void;
  /** Mono 24 kHz mic samples for the input buffer (a WebRTC call sends its mic track instead). */
  appendAudio(samples: Float32Array): void;
  /** Stops the model's audio at once (WebRTC: `output_audio_buffer.clear`); a socket has none queued. */
  clearOutput?(): void;
  /**
   * Delivers item `itemId`'s audio (all of it, from its first delta) into `stream` itself, off
   * the main thread; then its `audio` events are copies, for accounting. False, or absent: the
   * caller pushes the audio events' samples.
   */
  playTo?(itemId: string, stream: MixerStream): boolean;
  /** Ends a stream given to {@link playTo} once the audio delivered into it has reached the mixer. */
  endPlayback?(stream: MixerStream): void;
  /** Item `itemId`'s audio is not played (its response is not the caller's, or was interrupted). */
  drop?(itemId: string): void;
  close(): void;
}


/**
 * An open Realtime socket. Iterate it for the server's events (the iteration ends quietly on
 * `close()` or an abort, and throws a {@link ProviderError} if the socket drops or breaks the
 * protocol); `send()` client events.
 */
export class RealtimeSocket implements RealtimeLink {
  readonly label: string;
  readonly #ws: WebSocket;
  readonly #queue = new EventQueue();
  #closing = false;

  private constructor(ws: WebSocket, label: string) {
    this.#ws = ws;
    this.label = label;
  }

  /** Opens the socket; rejects with `provider-auth` (refused handshake), `provider-timeout` or `provider-network`. */
  static open(o: RealtimeSocketOptions): Promise<RealtimeSocket> {
    const WS = o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) return Promise.reject(new ProviderError('provider-network', o.label, 'no WebSocket here: pass one (e.g. `ws` in Node)'));
    return new Promise((resolve, reject) => {
      const ws = new WS(o.url, ['realtime', `openai-insecure-api-key.${o.key}`]);
      const socket = new RealtimeSocket(ws, o.label);
      let detail = '';
      let settled = false;
      const fail = (error: ProviderError | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        ws.onopen = ws.onclose = null;
        ws.onerror = () => undefined; // closing a connecting socket reports an error (Node's `ws` throws one nobody hears)
        try {
          ws.close();
        } catch {
          /* not open yet */
        }
        if (error) reject(error);
      };
      const onAbort = () => {
        fail(null);
        reject(o.signal?.reason ?? new DOMException('aborted', 'AbortError'));
      };
      const ms = o.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(() => fail(new ProviderError('provider-timeout', o.label, `no connection within ${ms} ms`, { retryable: true })), ms);
      o.signal?.addEventListener('abort', onAbort, { once: true });
      // Browsers say nothing here; Node's `ws` says "Unexpected server response: 401".
      ws.onerror = (ev: Event) => void (detail = String((ev as { message?: unknown }).message ?? ''));
      ws.onclose = (ev: CloseEvent) => {
        const status = Number(/\b([1-5]\d\d)\b/.exec(detail)?.[1]) || undefined;
        const code: ProviderErrorCode = status === 401 || status === 403 ? 'provider-auth' : status === 429 ? 'provider-rate-limited' : 'provider-network';
        // A page sees only close 1006 for a refused handshake: most often an expired or bad secret.
        const why = detail || `the handshake failed (close ${ev.code}; a page cannot see why: a bad or expired secret, a bad model, or the network)`;
        fail(new ProviderError(code, o.label, why, { retryable: code !== 'provider-auth', ...(status ? { status } : {}) }));
      };
      ws.onopen = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        socket.#listen();
        resolve(socket);
      };
    });
  }

  /** Sends one client event (dropped once the socket is closing). */
  send(event: { type: string } & Record<string, unknown>): void {
    if (this.#closing || this.#ws.readyState !== 1) return;
    this.#ws.send(JSON.stringify(event));
  }

  /** Appends mono 24 kHz float samples to the input buffer, as pcm16 base64. */
  appendAudio(samples: Float32Array): void {
    if (samples.length) this.send({ type: 'input_audio_buffer.append', audio: toBase64(toPcm16(samples)) });
  }

  /** Closes the socket; the iteration ends quietly. Idempotent. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#queue.push({ end: true });
    try {
      this.#ws.close(1000);
    } catch {
      /* already closed */
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RealtimeEvent> {
    return this.#queue[Symbol.asyncIterator]();
  }

  #listen(): void {
    const ws = this.#ws;
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string' && !(ev.data instanceof ArrayBuffer) && !ArrayBuffer.isView(ev.data)) return;
      const text = typeof ev.data === 'string' ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(text) as Record<string, unknown>;
      } catch (cause) {
        this.#queue.push({ error: new ProviderError('provider-protocol', this.label, `a server frame is not JSON: ${text.slice(0, 60)}`, { cause }) });
        this.#closing = true;
        ws.close(1000);
        return;
      }
      const event = parseRealtimeEvent(msg, this.label);
      if (event) this.#queue.push({ event });
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.#closing) return this.#queue.push({ end: true });
      const code: ProviderErrorCode = ev.code === 4000 || ev.code === 1008 ? 'provider-bad-request' : 'provider-network';
      this.#queue.push({ error: new ProviderError(code, this.label, `the socket closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`, { status: ev.code, retryable: code === 'provider-network' }) });
    };
    ws.onerror = () => undefined;
  }
}

const s = (x: unknown): string => (typeof x === 'string' ? x : '');
const n = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);

/** One server event (GA) → ours (null: not used here). Shared by the WebSocket and WebRTC transports. */
export function parseRealtimeEvent(m: Record<string, unknown>, label: string): RealtimeEvent | null {
  const r = (m.response ?? {}) as Record<string, unknown>;
  switch (m.type) {
    case 'session.created':
    case 'session.updated':
      return { type: 'session', session: (m.session ?? {}) as Record<string, unknown> };
    case 'input_audio_buffer.speech_started':
      return { type: 'speech_started', itemId: s(m.item_id), audioStartMs: n(m.audio_start_ms) };
    case 'input_audio_buffer.speech_stopped':
      return { type: 'speech_stopped', itemId: s(m.item_id), audioEndMs: n(m.audio_end_ms) };
    case 'input_audio_buffer.committed':
      return { type: 'committed', itemId: s(m.item_id) };
    case 'conversation.item.input_audio_transcription.completed':
      return { type: 'user_transcript', itemId: s(m.item_id), text: s(m.transcript).trim() };
    case 'response.created':
      return { type: 'response_started', responseId: s(r.id) };
    case 'response.output_audio.delta':
      return { type: 'audio', responseId: s(m.response_id), itemId: s(m.item_id), samples: fromPcm16(fromBase64(s(m.delta))) };
    case 'response.output_audio_transcript.delta':
      return { type: 'transcript_delta', responseId: s(m.response_id), itemId: s(m.item_id), delta: s(m.delta) };
    case 'response.output_audio_transcript.done':
      return { type: 'transcript_done', responseId: s(m.response_id), itemId: s(m.item_id), text: s(m.transcript) };
    case 'response.function_call_arguments.done':
      return { type: 'function_call', responseId: s(m.response_id), itemId: s(m.item_id), callId: s(m.call_id), name: s(m.name), arguments: s(m.arguments) || '{}' };
    case 'response.done':
      return { type: 'response_done', responseId: s(r.id), status: s(r.status) };
    case 'output_audio_buffer.started':
    case 'output_audio_buffer.stopped':
    case 'output_audio_buffer.cleared':
      return { type: 'audio_buffer', state: (m.type as string).slice(20) as 'started', responseId: s(m.response_id) };
    case 'response.output_item.added': {
      const item = (m.item ?? {}) as Record<string, unknown>;
      return { type: 'item_added', responseId: s(m.response_id), itemId: s(item.id), itemType: s(item.type) };
    }
    case 'conversation.item.truncated':
      return { type: 'truncated', itemId: s(m.item_id), audioEndMs: n(m.audio_end_ms) };
    case 'error': {
      const e = (m.error ?? {}) as Record<string, unknown>;
      return { type: 'error', error: eventError(e, label), ...(s(e.event_id) ? { eventId: s(e.event_id) } : {}) };
    }
    default:
      return null;
  }
}

/** An `error` event's body as a typed error (its code from the API's `type`/`code`). */
function eventError(e: Record<string, unknown>, label: string): ProviderError {
  const type = s(e.type);
  const code = s(e.code);
  const message = `${s(e.message) || 'error event'}${code ? ` (${code})` : ''}`;
  if (code === 'rate_limit_exceeded' || type === 'rate_limit_error') {
    const sec = Number(/try again in ([\d.]+)s/i.exec(s(e.message))?.[1]);
    return new ProviderError('provider-rate-limited', label, message, { retryable: true, ...(sec > 0 ? { retryAfterMs: Math.round(sec * 1000) } : {}) });
  }
  if (code === 'insufficient_quota') return new ProviderError('provider-quota', label, message);
  if (type === 'server_error') return new ProviderError('provider-server', label, message, { retryable: true });
  if (code === 'invalid_api_key' || type === 'authentication_error') return new ProviderError('provider-auth', label, message);
  return new ProviderError('provider-bad-request', label, message);
}

function toPcm16(src: Float32Array): Uint8Array {
  const out = new Uint8Array(src.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < src.length; i++) view.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(src[i]! * 32768))) || 0, true);
  return out;
}

function fromPcm16(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
