// Test support for the socket TTS providers (not exported by the package): Node's `ws` client
// (Node 20 has no global WebSocket), text sources, an audio collector, and readers of the
// local provider server's TTS socket log.
import WS from 'ws';
import type { LogEntry, TtsSocketLogBody } from '../../../local-ai/server.mjs';
import type { WebSocketConstructor } from './socket-link';

export const NodeWebSocket = WS as unknown as WebSocketConstructor;

/** Yields the pieces; awaits promises (or thunks' promises) between them. */
export async function* pieces(parts: (string | Promise<unknown> | (() => Promise<unknown> | void))[]): AsyncGenerator<string> {
  for (const part of parts) {
    if (typeof part === 'string') yield part;
    else await (typeof part === 'function' ? part() : part);
  }
}

/** Never settles: a text source that stays open. */
export const forever = new Promise<never>(() => undefined);

export async function collect(audio: AsyncIterable<Float32Array>, onChunk?: (c: Float32Array, total: number) => void) {
  const chunks: Float32Array[] = [];
  let total = 0;
  let error: unknown;
  try {
    for await (const c of audio) {
      chunks.push(c);
      total += c.length;
      onChunk?.(c, total);
    }
  } catch (err) {
    error = err;
  }
  const samples = new Float32Array(total);
  let off = 0;
  for (const c of chunks) {
    samples.set(c, off);
    off += c.length;
  }
  return { chunks, samples, error };
}

export const rms = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));

/** The TTS socket connections in the server's log, oldest first. */
export function sockets(log: () => { requests: LogEntry[] }, route: string): (LogEntry & { body: TtsSocketLogBody })[] {
  return log().requests.filter((r) => r.route === route) as (LogEntry & { body: TtsSocketLogBody })[];
}

/** The text left after `spoken` characters of `full`: past a partly spoken word, as a resume must go on. */
export function unspoken(full: string, spoken: number): string {
  let i = spoken;
  if (i > 0 && full[i - 1] !== ' ') while (i < full.length && full[i] !== ' ') i++;
  return full.slice(i).trim();
}
