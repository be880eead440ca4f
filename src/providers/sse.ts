/**
 * Server-Sent Events over a fetch body (spec/protocols.md §0.1), for Chat Completions and the
 * streamed audio endpoints. `EventSource` cannot POST or send headers, hence this.
 */

import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One event: `event` is the `event:` field when sent; `data` joins the `data:` lines with `\n`. */
export interface ServerSentEvent {
  event?: string;
  data: string;
}

/**
 * Yields events as they complete. Bytes are decoded with a streaming TextDecoder, so a UTF-8
 * character split across reads arrives intact; line splitting, comments, CR/LF variants and
 * multi-line data are eventsource-parser's job. An incomplete event at the end is dropped (as
 * the SSE spec says).
 *
 * Errors from the body (abort, dropped connection) propagate unchanged: callers decide what
 * they mean. Stopping early (`break`) cancels the body so the connection is released.
 * @param signal The fetch's signal; an abort makes the pending read reject with it.
 */
export async function* readServerSentEvents(response: Response, signal: AbortSignal): AsyncGenerator<ServerSentEvent, void, undefined> {
  const body = response.body;
  if (!body) return;
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const pending: ServerSentEvent[] = [];
  const parser = createParser({
    onEvent: (e: EventSourceMessage) => {
      pending.push(e.event !== undefined ? { event: e.event, data: e.data } : { data: e.data });
    },
  });
  let drained = false;
  try {
    for (;;) {
      signal.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (pending.length > 0) yield pending.shift()!;
    }
    drained = true;
    const rest = decoder.decode();
    if (rest) parser.feed(rest);
    while (pending.length > 0) yield pending.shift()!;
  } finally {
    // Stopped before the end (break, error, abort): tell the stream so fetch drops the socket.
    if (!drained) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
