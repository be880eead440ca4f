// Types for server.mjs (plain JS so Node and Vite load it without a build step).
import type { IncomingMessage, ServerResponse } from 'node:http';

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
  /** `stall`: no more bytes after `afterChars`, connection held; `hang`: no answer at all. */
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
}
export interface ScriptRequest {
  llm?: LlmEntry[];
  tts?: TtsEntry[];
  stt?: SttEntry[];
  append?: boolean;
}
export interface ProviderHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  script(s: ScriptRequest): { llm: number; tts: number; stt: number };
  configure(c: { requireKey?: string | null; ttsBytesPerSecond?: number | null }): {
    requireKey: string | null;
    ttsBytesPerSecond: number | null;
  };
  reset(): void;
  log(): { requests: LogEntry[] };
}
export interface ProviderServer {
  url: string;
  port: number;
  handler: ProviderHandler;
  close(): Promise<void>;
}

export function createProviderHandler(options?: ProviderServerOptions): ProviderHandler;
export function startProviderServer(options?: { port?: number; host?: string } & ProviderServerOptions): Promise<ProviderServer>;
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
