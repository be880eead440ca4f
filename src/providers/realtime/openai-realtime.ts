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
import { RealtimeSocket, REALTIME_RATE, type WebSocketConstructor } from './realtime-socket';
import { RealtimeSessionConductor } from './conductor';

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
  /** Default `{ type: 'server_vad' }` (barge-in by the model's VAD, which also cancels the response). */
  turnDetection?: RealtimeTurnDetection | null;
  /** Transcription of the user's audio (for the history and `user_transcript`). Default `{ model: 'gpt-4o-mini-transcribe' }`; `null`: none. */
  transcription?: { model: string; language?: string; prompt?: string } | null;
  /** Default `globalThis.WebSocket`. Node 20 has none: pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** ms from asking for the secret to an open socket. Default 10000. */
  connectTimeoutMs?: number;
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
  async connect(config: RealtimeSessionConfig = {}, signal?: AbortSignal): Promise<RealtimeSocket> {
    const o = this.options;
    const timeoutMs = o.connectTimeoutMs ?? 10_000;
    const started = Date.now();
    let key: string;
    try {
      key = o.getClientSecret ? await o.getClientSecret() : o.apiKey!;
    } catch (cause) {
      throw new ProviderError('provider-auth', this.label, `getClientSecret() failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    signal?.throwIfAborted();
    const socket = await RealtimeSocket.open({ url: this.url(), key, label: this.label, connectTimeoutMs: Math.max(1, timeoutMs - (Date.now() - started)), ...(o.WebSocket ? { WebSocket: o.WebSocket } : {}), ...(signal ? { signal } : {}) });
    socket.send({ type: 'session.update', session: this.session(config) });
    return socket;
  }

  /** The `session` object of `session.update` (GA shape). */
  session(config: RealtimeSessionConfig): Record<string, unknown> {
    const o = this.options;
    const format = { type: 'audio/pcm', rate: REALTIME_RATE };
    const transcription = o.transcription === undefined ? { model: 'gpt-4o-mini-transcribe' } : o.transcription;
    return {
      type: 'realtime',
      ...(o.model ? { model: o.model } : {}),
      output_modalities: ['audio'],
      ...(config.instructions ? { instructions: config.instructions } : {}),
      audio: {
        input: { format, transcription, turn_detection: o.turnDetection === undefined ? { type: 'server_vad' } : o.turnDetection },
        output: { format, ...(o.voice ? { voice: o.voice } : {}) },
      },
      tools: (config.tools ?? []).map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters })),
      tool_choice: 'auto',
    };
  }

  /** Called by `AgentSession.start()`: connects and runs the conversation on the session's audio. */
  async startRealtime(host: RealtimeHost, signal: AbortSignal): Promise<RealtimeConductor> {
    const tools = host.agent.tools.map((t) => t.spec);
    const socket = await this.connect({ instructions: host.agent.instructions, tools }, signal);
    const td = this.options.turnDetection === undefined ? { type: 'server_vad' } : this.options.turnDetection;
    // With the server's VAD interrupting, a barge-in's response is cancelled by the server itself.
    return new RealtimeSessionConductor(host, socket, { serverCancels: td !== null && (td as { interrupt_response?: boolean }).interrupt_response !== false, transcribes: this.options.transcription !== null });
  }

  private url(): string {
    const o = this.options;
    const base = new URL(o.baseURL ?? 'wss://api.openai.com/v1', (globalThis as { location?: { href: string } }).location?.href);
    base.protocol = base.protocol.replace(/^http/, 'ws');
    const url = new URL(`${base.pathname.replace(/\/+$/, '')}/realtime`, base);
    url.searchParams.set('model', o.model ?? 'gpt-realtime');
    return url.href;
  }
}
