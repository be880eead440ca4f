/**
 * OpenAI Realtime (GA) over WebSocket as a speech-to-speech model (spec/protocols.md §4,
 * §12.1). As a pipeline's `llm` it makes the session speech-to-speech:
 *
 * ```ts
 * const llm = new OpenAIRealtime({ getClientSecret: () => fetch('/token', { method: 'POST' }).then((r) => r.json()).then((j) => j.value) });
 * new AgentSession(agent, new Pipeline({ llm }));
 * ```
 *
 * The page only ever holds a short-lived `ek_` client secret, minted by the app's server
 * (`POST /v1/realtime/client_secrets` with its own key).
 */

import { ConfigError } from '../../errors';
import type { RealtimeConductor, RealtimeHost, RealtimeModel } from '../../session/realtime-hook';
import { ProviderError } from '../errors';
import type { LLMChunk, ToolSpec } from '../types';
import { RealtimeSocket, REALTIME_RATE, type RealtimeLink, type RealtimeSocketOptions, type WebSocketConstructor } from './realtime-socket';
import { openRealtimeLink } from './piped-socket';
import { RealtimeSessionConductor } from './conductor';
import { RealtimeRTC } from './realtime-rtc';
import { RtcAudio } from './rtc-audio';

/** Server-side turn detection (the model's own VAD); `null` turns it off. */
export type RealtimeTurnDetection =
  | { type: 'server_vad'; threshold?: number; prefix_padding_ms?: number; silence_duration_ms?: number; idle_timeout_ms?: number; create_response?: boolean; interrupt_response?: boolean }
  | { type: 'semantic_vad'; eagerness?: 'low' | 'medium' | 'high' | 'auto'; create_response?: boolean; interrupt_response?: boolean };

export interface OpenAIRealtimeOptions {
  /** Default `gpt-realtime` (opaque: any model id is passed on). */
  model?: string;
  /** Called before each connection: an `ek_…` client secret from the app's server. Use this in a page. */
  getClientSecret?: () => Promise<string>;
  /** A standard key: only for server-side use (Node); a page must not hold one. */
  apiKey?: string;
  /** Default `wss://api.openai.com/v1`; `http(s)` becomes `ws(s)`, a relative URL resolves against the page. */
  baseURL?: string;
  /** The model's voice, e.g. `marin` (default: the server's). */
  voice?: string;
  /**
   * Default `{ type: 'server_vad' }` (turns and barge-in by the model's VAD, which also
   * cancels the response). `'local'`: Earshot's VAD decides (the model's is off): barge-in
   * by duck-then-confirm as in the cascade, and the client commits the audio and asks for
   * the answer at the end of the user's speech. `null`: no turn detection at all (the app
   * drives, e.g. push-to-talk).
   */
  turnDetection?: RealtimeTurnDetection | 'local' | null;
  /** Transcription of the user's audio (for the history and `user_transcript`). Default `{ model: 'gpt-4o-mini-transcribe' }`; `null`: none. */
  transcription?: { model: string; language?: string; prompt?: string } | null;
  /** Default `globalThis.WebSocket`. Node 20 has none: pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** ms from asking for the secret to an open socket (or call). Default 10000. */
  connectTimeoutMs?: number;
  /**
   * How the session talks to the model. Default `'websocket'`: pcm16 both ways through
   * Earshot's worklets, the played position exact from the mixer, and it runs anywhere
   * (Node, workers). `'webrtc'`: `POST /v1/realtime/calls`, Opus (or whatever the answer
   * picks) on media tracks with the browser's jitter buffer and congestion control: better on
   * lossy mobile networks; page only. The voice still plays through Earshot's mixer either way.
   */
  transport?: 'websocket' | 'webrtc';
  /**
   * After a drop of the WebSocket (a retryable failure) the session reconnects with backoff
   * (250 ms doubling to 4 s), replays the history as text items and sends the mic audio the
   * model had not committed (at most `bufferSec`, default 30 s). A typed error only once
   * `attempts` (default 5) failed. `false`: a drop ends the model (an `error` event). WebRTC
   * calls do not reconnect yet.
   */
  reconnect?: { attempts?: number; bufferSec?: number } | false;
  /** Default `globalThis.RTCPeerConnection` (in Node, e.g. `werift`'s: events only, no audio graph). */
  RTCPeerConnection?: new (config?: RTCConfiguration) => RTCPeerConnection;
}

/** The session settings sent in `session.update`. */
export interface RealtimeSessionConfig {
  instructions?: string;
  tools?: readonly ToolSpec[];
}

/**
 * OpenAI's realtime speech-to-speech model. As a pipeline's `llm` it runs the session (see
 * {@link RealtimeModel}); `connect()` opens a bare {@link RealtimeSocket} for other uses.
 * Throws a `ConfigError` without `getClientSecret` or `apiKey`.
 */
export class OpenAIRealtime implements RealtimeModel {
  /** `openai-realtime:<model>`, for logs and errors. */
  readonly label: string;
  readonly options: Readonly<OpenAIRealtimeOptions>;
  /** Takes pictures: `reply(instructions, { frames })` sends them as `input_image` parts. */
  readonly vision = true;

  constructor(options: OpenAIRealtimeOptions = {}) {
    if (!options.getClientSecret && !options.apiKey) throw new ConfigError('OpenAIRealtime needs getClientSecret (a page) or apiKey (a server)');
    this.options = options;
    this.label = `openai-realtime:${options.model ?? 'gpt-realtime'}`;
  }

  /** A realtime model does not answer chat requests: give it to a Pipeline as `llm`. */
  // eslint-disable-next-line require-yield
  async *chat(): AsyncIterable<LLMChunk> {
    throw new ConfigError(`${this.label} is a realtime model: it runs a whole session (Pipeline({ llm })), not chat()`);
  }

  /**
   * Opens a socket and sends `session.update` with `config`, the voice, audio formats, turn
   * detection and transcription. Rejects with a {@link ProviderError} (`provider-auth` for a
   * refused secret), or the abort reason.
   */
  connect(config: RealtimeSessionConfig = {}, signal?: AbortSignal): Promise<RealtimeSocket> {
    return this.#open(RealtimeSocket.open, config, signal);
  }

  /** A session's socket: in the TTS audio worker where one runs (unless `WebSocket` is given), its audio straight to the mixer. */
  #socket(config: RealtimeSessionConfig, signal?: AbortSignal): Promise<RealtimeLink> {
    return this.#open(openRealtimeLink, config, signal);
  }

  async #open<L extends RealtimeLink>(open: (o: RealtimeSocketOptions) => Promise<L>, config: RealtimeSessionConfig, signal?: AbortSignal): Promise<L> {
    const o = this.options;
    const timeoutMs = o.connectTimeoutMs ?? 10_000;
    const started = Date.now();
    const key = await this.#secret(signal);
    const socket = await open({ url: this.url(), key, label: this.label, connectTimeoutMs: Math.max(1, timeoutMs - (Date.now() - started)), ...(o.WebSocket ? { WebSocket: o.WebSocket } : {}), ...(signal ? { signal } : {}) });
    socket.send({ type: 'session.update', session: this.session(config) });
    return socket;
  }

  /**
   * Opens a WebRTC call (`POST /v1/realtime/calls` with the offer SDP) sending `micTrack`, and
   * sends `session.update` on its event channel. Rejects like {@link connect}.
   */
  async call(config: RealtimeSessionConfig = {}, micTrack: MediaStreamTrack | null = null, signal?: AbortSignal): Promise<RealtimeRTC> {
    const o = this.options;
    const started = Date.now();
    const key = await this.#secret(signal);
    const url = this.#base('http');
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/realtime/calls`;
    url.searchParams.set('model', o.model ?? 'gpt-realtime');
    const rtc = await RealtimeRTC.open({
      url: url.href, key, label: this.label, micTrack,
      connectTimeoutMs: Math.max(1, (o.connectTimeoutMs ?? 10_000) - (Date.now() - started)),
      ...(o.RTCPeerConnection ? { RTCPeerConnection: o.RTCPeerConnection } : {}),
      ...(signal ? { signal } : {}),
    });
    rtc.send({ type: 'session.update', session: this.session(config, false) });
    return rtc;
  }

  async #secret(signal?: AbortSignal): Promise<string> {
    let key: string;
    try {
      key = this.options.getClientSecret ? await this.options.getClientSecret() : this.options.apiKey!;
    } catch (cause) {
      throw new ProviderError('provider-auth', this.label, `getClientSecret() failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    signal?.throwIfAborted();
    return key;
  }

  /** The `session` object of `session.update` (GA shape); `pcm`: the socket's audio formats (a call's are the tracks'). */
  session(config: RealtimeSessionConfig, pcm = true): Record<string, unknown> {
    const o = this.options;
    const format = pcm ? { format: { type: 'audio/pcm', rate: REALTIME_RATE } } : {};
    const transcription = o.transcription === undefined ? { model: 'gpt-4o-mini-transcribe' } : o.transcription;
    return {
      type: 'realtime',
      ...(o.model ? { model: o.model } : {}),
      output_modalities: ['audio'],
      ...(config.instructions ? { instructions: config.instructions } : {}),
      audio: {
        input: { ...format, transcription, turn_detection: o.turnDetection === undefined ? { type: 'server_vad' } : o.turnDetection === 'local' ? null : o.turnDetection },
        output: { ...format, ...(o.voice ? { voice: o.voice } : {}) },
      },
      tools: (config.tools ?? []).map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters })),
      tool_choice: 'auto',
    };
  }

  /** Called by `AgentSession.start()`: connects and runs the conversation on the session's audio. */
  async startRealtime(host: RealtimeHost, signal: AbortSignal): Promise<RealtimeConductor> {
    const tools = host.agent.tools.map((t) => t.spec);
    const config = { instructions: host.agent.instructions, tools };
    let link: RealtimeLink;
    if (this.options.transport === 'webrtc') {
      const audio = new RtcAudio(host.audio);
      let rtc: RealtimeRTC;
      try {
        link = rtc = await this.call(config, audio.micTrack, signal);
      } catch (error) {
        audio.close();
        throw error;
      }
      rtc.onClose = () => audio.close();
      void rtc.remoteTrack.then((track) => audio.play(track, (samples) => rtc.feedOutput(samples)));
    } else link = await this.#socket(config, signal);
    const td = this.options.turnDetection === undefined ? { type: 'server_vad' } : this.options.turnDetection === 'local' ? null : this.options.turnDetection;
    const again = this.options.reconnect;
    const reconnect = !(link instanceof RealtimeRTC) && again !== false
      ? { ...again, open: (s: AbortSignal) => this.#socket({ instructions: host.agent.instructions, tools: host.agent.tools.map((t) => t.spec) }, s) }
      : undefined;
    // With the server's VAD interrupting, a barge-in's response is cancelled by the server itself.
    return new RealtimeSessionConductor(host, link, { serverCancels: td !== null && (td as { interrupt_response?: boolean }).interrupt_response !== false, transcribes: this.options.transcription !== null, localTurns: this.options.turnDetection === 'local', ...(reconnect ? { reconnect } : {}) });
  }

  /** The base URL with `scheme` (`ws`: ws/wss, `http`: http/https). */
  #base(scheme: 'ws' | 'http'): URL {
    const base = new URL(this.options.baseURL ?? 'wss://api.openai.com/v1', (globalThis as { location?: { href: string } }).location?.href);
    base.protocol = scheme === 'ws' ? base.protocol.replace(/^http/, 'ws') : base.protocol.replace(/^ws/, 'http');
    return base;
  }

  private url(): string {
    const o = this.options;
    const base = this.#base('ws');
    const url = new URL(`${base.pathname.replace(/\/+$/, '')}/realtime`, base);
    url.searchParams.set('model', o.model ?? 'gpt-realtime');
    return url.href;
  }
}
