// Test support for the Deepgram providers (not exported by the package): audio sources and
// an event collector, over a real socket to the local provider server (Node's `ws` client,
// since Node 20 has no global WebSocket).
import WS from 'ws';
import { toneWords } from '../../../local-ai/server.mjs';
import type { ListenLogBody, LogEntry } from '../../../local-ai/server.mjs';
import type { STTStream, STTStreamEvent } from '../types';
import type { WebSocketConstructor } from './deepgram-socket';

export const NodeWebSocket = WS as unknown as WebSocketConstructor;
export const SENTENCE = 'Book a table for two.';

/** Script words `indices` as tone bursts (see local-ai/listen-audio.mjs), then `tailMs` of silence. */
export const words = (indices: number[], tailMs = 0, leadMs = 100): Float32Array => toneWords(indices, { tailMs, leadMs });
export const silence = (ms: number): Float32Array => new Float32Array(Math.round(ms * 16));

/** Yields the arrays in 512-sample frames (32 ms, as the capture worklet posts them); awaits promises (or thunks' promises) between them. */
export async function* feed(parts: (Float32Array | Promise<unknown> | (() => Promise<unknown>))[]): AsyncGenerator<Float32Array> {
  for (const part of parts) {
    if (!(part instanceof Float32Array)) {
      await (typeof part === 'function' ? part() : part);
      continue;
    }
    for (let i = 0; i < part.length; i += 512) yield part.slice(i, i + 512);
  }
}

/** Never settles: a source that stays open. */
export const forever = new Promise<never>(() => undefined);

export async function collect(stream: STTStream, onEvent?: (e: STTStreamEvent) => void) {
  const events: STTStreamEvent[] = [];
  let error: unknown;
  try {
    for await (const e of stream) {
      events.push(e);
      onEvent?.(e);
    }
  } catch (err) {
    error = err;
  }
  const of = <T extends STTStreamEvent['type']>(type: T) => events.filter((e): e is Extract<STTStreamEvent, { type: T }> => e.type === type);
  return { events, error, of };
}

/** The listen connections in the server's log, oldest first. */
export function connections(log: () => { requests: LogEntry[] }): (LogEntry & { body: ListenLogBody })[] {
  return log().requests.filter((r) => r.route.endsWith('/listen')) as (LogEntry & { body: ListenLogBody })[];
}
