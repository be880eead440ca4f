import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProviderServer, type ProviderServer } from '../../local-ai/server.mjs';
import { readServerSentEvents, type ServerSentEvent } from './sse';

/** A Response whose body delivers exactly these byte chunks (a real stream, not a fetch mock). */
function responseOf(chunks: Uint8Array[], onCancel?: () => void): Response {
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks[i++];
        if (next) c.enqueue(next);
        else c.close();
      },
      cancel: onCancel,
    }),
  );
}
async function all(res: Response): Promise<ServerSentEvent[]> {
  const out: ServerSentEvent[] = [];
  for await (const e of readServerSentEvents(res, new AbortController().signal)) out.push(e);
  return out;
}

describe('readServerSentEvents', () => {
  it('decodes UTF-8 split anywhere, CRLF/CR endings, comments, multi-line data, event names', async () => {
    const wire = ': keep-alive\r\ndata: {"t":"Привет 👋"}\r\n\r\nevent: ping\ndata:\n\ndata: a\ndata: b\r\rdata: [DONE]\n\ndata: incomplete';
    const bytes = new TextEncoder().encode(wire);
    // One byte per read: every multibyte character is split.
    const events = await all(responseOf([...bytes].map((b) => Uint8Array.of(b))));
    expect(events).toEqual([{ data: '{"t":"Привет 👋"}' }, { event: 'ping', data: '' }, { data: 'a\nb' }, { data: '[DONE]' }]);
  });

  it('keeps U+2028 and escaped \\n\\n inside JSON payloads', async () => {
    const events = await all(responseOf([new TextEncoder().encode('data: {"a":"x\u2028y\\n\\nz"}\n\n')]));
    expect(JSON.parse(events[0]!.data)).toEqual({ a: 'x\u2028y\n\nz' });
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const chunks = [new TextEncoder().encode('data: 1\n\ndata: 2\n\n'), new TextEncoder().encode('data: 3\n\n')];
    for await (const e of readServerSentEvents(responseOf(chunks, () => (cancelled = true)), new AbortController().signal)) {
      expect(e.data).toBe('1');
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('the local server splits SSE writes at awkward offsets', () => {
  let server: ProviderServer;
  beforeAll(async () => {
    server = await startProviderServer();
  });
  afterAll(() => server.close());

  it('delivers some reads that end inside a UTF-8 character', async () => {
    server.handler.script({ llm: [{ text: 'Ça va? Привет мир, 日本語 👋', chunkDelayMs: 5 }] });
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [], stream: true }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('content-length')).toBeNull();
    const reader = res.body!.getReader();
    let midChar = 0;
    let midLine = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if ((value[0]! & 0xc0) === 0x80) midChar++; // starts on a continuation byte: the char was split
      if (value[value.length - 1] !== 0x0a) midLine++;
    }
    expect(midChar).toBeGreaterThan(0);
    expect(midLine).toBeGreaterThan(0);
  });
});

describe("the local server's streamPauses config (the bench turns the stand-in's own pauses off)", () => {
  let server: ProviderServer;
  beforeAll(async () => {
    server = await startProviderServer();
  });
  afterAll(() => server.close());

  /** The stream's events, ids and timestamps blanked, and how many reads delivered them. */
  async function chat(): Promise<{ events: string[]; reads: number }> {
    server.handler.script({ llm: [{ text: 'Ça va? Ten thirty, as it happens, on a Tuesday.' }] });
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [], stream: true, stream_options: { include_usage: true } }),
    });
    let reads = 0;
    const counted = new Response(
      res.body!.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            reads++;
            c.enqueue(chunk);
          },
        }),
      ),
    );
    const events = (await all(counted)).map((e) => e.data.replace(/"id":"[^"]*"/, '"id":""').replace(/"created":\d+/, '"created":0'));
    return { events, reads };
  }

  it('sends the same events with the pauses off, in fewer reads (nothing waits between writes)', async () => {
    const paused = await chat();
    server.handler.configure({ streamPauses: false });
    expect(server.handler.configure({})).toMatchObject({ streamPauses: false });
    const straight = await chat();
    expect(straight.events).toEqual(paused.events);
    expect(straight.events.length).toBeGreaterThan(5);
    // With pauses every event (and each split half) is its own read; without, writes coalesce.
    expect(paused.reads).toBeGreaterThanOrEqual(paused.events.length);
    expect(straight.reads).toBeLessThan(paused.reads);
    server.handler.reset();
    expect(server.handler.configure({})).toMatchObject({ streamPauses: true });
  });
});
