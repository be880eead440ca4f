// Types for server.mjs (plain JS so Node and Vite load it without a build step).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type StatusFault = {
  kind: 'status';
  status: number;
  /** Sent as-is; default: the OpenAI-shaped body for `status`. */
  body?: object;
  headers?: Record<string, string | number>;
  /** `'insufficient_quota'` selects the exhausted-credit 429 body. */
  code?: string;
};
export interface ScriptToolCall {
  name: string;
  arguments: object | string;
  id?: string;
}
export interface LlmEntry {
  text?: string;
  toolCalls?: ScriptToolCall[];
  /** ms before the first byte. */
  delayMs?: number;
  /** ms between events. */
  chunkDelayMs?: number;
  /** `/v1/messages` only: a thinking block (with its signature) before the text. */
  thinking?: string;
  /** `/v1/messages` only: an unknown event type and an unknown content block type come first. */
  extraEvents?: boolean;
  /**
   * `/v1/messages` only: the reply runs out of tokens inside the last tool call's input: half of
   * its JSON, no `content_block_stop`, then `stop_reason: "max_tokens"` (as Anthropic's recorded
   * `incomplete_partial_json_response` fixture).
   */
  maxTokensInTool?: boolean;
  /**
   * `stall`: no more bytes after `afterChars`, connection held; `hang`: no answer at all;
   * `midstream-error`: an error event after `afterChars` (`/v1/messages`: `error` is
   * `{type, message}`, default `overloaded_error`). A status fault on `/v1/messages` gets
   * Anthropic's error body; there `code: 'enforced_spend_limit_reached'` sets `error.details.error_code`.
   */
  fault?:
    | StatusFault
    | { kind: 'cut'; afterChars: number }
    | { kind: 'stall'; afterChars: number }
    | { kind: 'midstream-error'; afterChars: number; error?: object }
    | { kind: 'hang' };
}
export interface TtsEntry {
  delayMs?: number;
  /**
   * `stall`: no more bytes after `afterBytes`, connection held; `hang`: no answer at all;
   * `mp3` / `noise`: a 200 with MP3 (as `audio/mpeg`) or random bytes (as octet-stream),
   * or under `contentType`.
   */
  fault?:
    | StatusFault
    | { kind: 'cut'; afterBytes: number }
    | { kind: 'stall'; afterBytes: number }
    | { kind: 'hang' }
    | { kind: 'mp3'; contentType?: string }
    | { kind: 'noise'; contentType?: string };
  /** Pace of the body; 48000 = real time for pcm. */
  bytesPerSecond?: number;
}
export interface SttEntry {
  text?: string;
  delayMs?: number;
  fault?: StatusFault | { kind: 'cut'; afterChars?: number } | { kind: 'hang' };
}
/** One scripted `/v1/listen` (Nova) or `/v2/listen` (Flux) connection. */
export interface ListenEntry {
  /** The transcript's words; absent: each burst of speech is reported as "(0.8 s of speech)". */
  text?: string | null;
  /**
   * How audio picks words (listen-audio.mjs): `pitch`, each tone burst is the script word its
   * pitch names (see {@link toneWords}); `sequential` (default), one word per `wordMs` of voiced audio.
   */
  wordCode?: 'pitch' | 'sequential';
  /** Sequential: voiced ms per word (default 300). */
  wordMs?: number;
  /** v1: an is_final (not speech_final) result after this many words of a segment. */
  finalEveryWords?: number;
  /** ms before the upgrade is accepted. */
  connectDelayMs?: number;
  /** ms before each message sent (order kept). */
  resultDelayMs?: number;
  /**
   * `auth`: HTTP 401 INVALID_AUTH at the handshake (as a bad key gets); a status fault: that
   * status at the handshake; `hang`: the upgrade is never answered; after `afterWords` words:
   * `close` (default 1011 NET-0000), `malformed` (a text frame that is not JSON, or `frame`),
   * `stall` (nothing more is sent, the socket stays open, CloseStream is ignored).
   */
  fault?:
    | { kind: 'auth' }
    | StatusFault
    | { kind: 'hang' }
    | { kind: 'close'; afterWords: number; code?: number; reason?: string }
    | { kind: 'malformed'; afterWords: number; frame?: string }
    | { kind: 'stall'; afterWords: number };
}
/** One scripted TTS socket connection (ElevenLabs multi-stream-input or Cartesia /tts/websocket). */
export interface TtsSocketEntry {
  /** ms before each context's first audio frame (slow first audio). */
  firstAudioDelayMs?: number;
  /** ms between audio frames. */
  chunkDelayMs?: number;
  /** Audio per frame in ms (default 100). */
  chunkMs?: number;
  /**
   * `auth`: HTTP 401 at the handshake; a status fault: that status at the handshake; `hang`:
   * the upgrade is never answered; after `afterChunks` audio frames on the socket: `close`
   * (default 1011), `malformed` (a truncated JSON frame, or `frame`; nothing more is sent).
   */
  fault?:
    | { kind: 'auth' }
    | StatusFault
    | { kind: 'hang' }
    | { kind: 'close'; afterChunks: number; code?: number; reason?: string }
    | { kind: 'malformed'; afterChunks: number; frame?: string };
}
/** What a TTS socket logged about one context. */
export interface TtsContextLog {
  /** All text received for it, as concatenated. */
  text: string;
  /** The text its sent audio covers (ElevenLabs: alignment characters; Cartesia: words with timestamps sent, space-joined). */
  spoken: string;
  /** Samples of audio sent. */
  samples: number;
  flushed: boolean;
  /** ElevenLabs: close_context received. */
  closed?: boolean;
  /** ElevenLabs: a close_context on a context already closed. */
  closedAgain?: boolean;
  /** ElevenLabs: ended by the server after `inactivity_timeout` s without a message for it. */
  timedOut?: boolean;
  /** Stopped before its end (ElevenLabs close_context without flush or timed out; Cartesia cancel). */
  cancelled: boolean;
  /** isFinal / done sent. */
  final: boolean;
  /** Cartesia: requests received on it. */
  requests?: number;
}
/** `body` of a TTS socket's log entry. */
export interface TtsSocketLogBody {
  query: Record<string, string>;
  /** ElevenLabs: the voice id of the path. */
  voice: string | null;
  /** Every JSON message received, in order. */
  received: Record<string, unknown>[];
  contexts: Record<string, TtsContextLog>;
  audioFrames: number;
  closeCode: number | null;
  closeReason: string | null;
  closedBy: 'client' | 'server' | null;
}
/** `body` of a listen connection's log entry. */
export interface ListenLogBody {
  query: Record<string, string>;
  /** The auth scheme offered as subprotocol, lower case. */
  protocol: 'token' | 'bearer' | null;
  audioBytes: number;
  /** Zero-length binary frames (a client must never send one). */
  emptyFrames: number;
  received: { KeepAlive: number; Finalize: number; CloseStream: number; Configure: number };
  closeCode: number | null;
  closeReason: string | null;
  closedBy: 'client' | 'server' | null;
}
/** One scripted `/v1/realtime` connection (local-ai/realtime.mjs). */
export interface RealtimeEntry {
  /** Input transcripts, one per committed user turn (default: "(N.N s of speech)"). */
  transcripts?: string[];
  /** Responses in order, one per `response.create` or server-VAD turn (default: "Okay."). */
  responses?: { text?: string; toolCalls?: ScriptToolCall[]; delayMs?: number }[];
  /** ms between 100 ms audio chunks (default 25: 4× real time). Over WebRTC the voice is always real time. */
  chunkDelayMs?: number;
  /**
   * `auth`: refuse the handshake (401). `hang`: never answer the upgrade. `close`: close (default 1011) after that many audio
   * chunks. `malformed`: a non-JSON frame after that many chunks. `rate-limit`: the first
   * response is refused with an `error` event `rate_limit_exceeded`.
   */
  fault?: { kind: 'auth' } | { kind: 'hang' } | { kind: 'close'; afterChunks: number; code?: number; reason?: string } | { kind: 'malformed'; afterChunks: number; frame?: string } | { kind: 'rate-limit' };
}
/** `body` of a realtime connection's log entry. */
export interface RealtimeLogBody {
  query: Record<string, string>;
  /** Subprotocols offered (the key masked). */
  protocols: string[];
  /** Every client event but the appends, in order. */
  received: ({ type: string } & Record<string, any>)[];
  appends: number;
  audioBytes: number;
  /** `/v1/realtime/calls` (WebRTC): the request's Content-Type, and the mic's RTP audio heard (bytes of 24 kHz pcm16 after PCMU decoding). */
  contentType?: string;
  rtpAudioBytes?: number;
  closeCode: number | null;
  closedBy: 'client' | 'server' | null;
}
export interface LogEntry {
  id: string;
  route: string;
  method: string;
  startedAt: number;
  endedAt: number | null;
  status: number | null;
  aborted: boolean;
  /** Masked, e.g. `Bearer sk-...1234`. */
  authorization: string | null;
  /** `/v1/messages`: the `x-api-key` (masked) and `anthropic-*` request headers seen. */
  headers?: Record<string, string>;
  bytesOut: number;
  body: unknown;
}
export interface ProviderServerOptions {
  requireKey?: string | null;
  ttsBytesPerSecond?: number | null;
  /** Default 4801 (odd on purpose). */
  ttsChunkBytes?: number;
  /** Default `espeak-ng`. */
  espeakCommand?: string;
  /** A listen socket with neither audio nor KeepAlive for this long is closed 1011 NET-0001 (default 10000). */
  listenIdleMs?: number;
}
export interface ScriptRequest {
  llm?: LlmEntry[];
  tts?: TtsEntry[];
  stt?: SttEntry[];
  listen?: ListenEntry[];
  ttsSocket?: TtsSocketEntry[];
  realtime?: RealtimeEntry[];
  append?: boolean;
}
export interface ProviderHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  script(s: ScriptRequest): { llm: number; tts: number; stt: number; listen: number; ttsSocket: number; realtime: number };
  /**
   * `ttsLevelDb`: speech RMS of every TTS response, dBFS (null: espeak-ng's own level).
   * `ttsUnderlayDb`: a steady 220 Hz tone at this RMS, dBFS, under every `/v1/audio/speech`
   * response (null: none): the bench's carrier that makes the voice's gain observable through
   * the pauses between words.
   * `streamPauses` (default true): the stand-in's own pauses in SSE streams (a 2 ms pause
   * inside every split write, a timer turn between chat events); the bench turns them off.
   */
  configure(c: { requireKey?: string | null; ttsBytesPerSecond?: number | null; ttsLevelDb?: number | null; ttsUnderlayDb?: number | null; listenIdleMs?: number; streamPauses?: boolean }): {
    requireKey: string | null;
    ttsBytesPerSecond: number | null;
    ttsLevelDb: number | null;
    ttsUnderlayDb: number | null;
    listenIdleMs: number;
    streamPauses: boolean;
  };
  /** Handles a WebSocket upgrade for `/v1/listen`, `/v2/listen`, ElevenLabs `multi-stream-input` Cartesia `/tts/websocket` or OpenAI `/v1/realtime` (relative to the mount point); false when the path is not ours. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Drops every WebSocket (server shutdown). */
  closeSockets(): void;
  reset(): void;
  log(): { requests: LogEntry[] };
  /** The MCP server at `/mcp` (local-ai/mcp.mjs); `reset()` above resets it too. */
  mcp: McpHandler;
  /** The OTLP/HTTP JSON trace receiver at `/v1/traces` (local-ai/otlp.mjs); `GET /__control/traces` lists its spans. */
  otlp: OtlpReceiver;
}
/** One tool call the MCP server received. */
export interface McpCall {
  sessionId: string;
  name: string;
  arguments: unknown;
  outcome: 'ok' | 'error' | 'cancelled';
}
export interface McpHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Since the last reset: tool calls, sessions opened, session DELETEs, each request's Authorization header. */
  log(): { calls: McpCall[]; sessions: string[]; deletes: string[]; authorizations: (string | null)[] };
  /** `requireToken`: requests without `Authorization: Bearer <token>` get a 401. */
  configure(patch: { requireToken?: string | null }): void;
  reset(): Promise<void>;
  close(): Promise<void>;
}
export interface ProviderServer {
  url: string;
  port: number;
  handler: ProviderHandler;
  close(): Promise<void>;
}

export function createProviderHandler(options?: ProviderServerOptions): ProviderHandler;
export function startProviderServer(options?: { port?: number; host?: string } & ProviderServerOptions): Promise<ProviderServer>;
export const TONE_BASE_HZ: number;
export const TONE_STEP_HZ: number;
/**
 * Test audio in the pitch code: script word `i` is a tone burst at TONE_BASE_HZ + i × TONE_STEP_HZ.
 * leadMs (100) of silence, each word wordMs (250) then gapMs (80), then tailMs (0) of silence.
 */
export function toneWords(indices: number[], options?: { rate?: number; wordMs?: number; gapMs?: number; leadMs?: number; tailMs?: number; amplitude?: number }): Float32Array;
export function maskSecret(secret: string | null | undefined): string;
export function demoBrain(body: unknown): { text: string; toolCalls: ScriptToolCall[] };
export function parseWav(buf: Buffer): {
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  frames: number;
  durationSec: number;
  data: Buffer;
};

/** A span as the OTLP receiver decoded it (attributes flattened, times in ns). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  start: bigint;
  end: bigint;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
  resource: Record<string, string | number | boolean>;
  scope: string;
}
export interface OtlpReceiver {
  readonly spans: ReceivedSpan[];
  readonly requests: { status: number; error: string | null; contentType: string | null }[];
  /** The next export is answered with `status`, or (`'hang'`) not at all. */
  failNext(status: number | 'hang'): void;
  reset(): void;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}
