// OpenAILLM against the real local provider server (no fetch mocks): the bytes on the wire are
// the ones OpenAI sends (spec/protocols.md §1).
import { describe, expect, it } from 'vitest';
import type { LlmEntry, LogEntry } from '../../../local-ai/server.mjs';
import { ProviderError } from '../errors';
import type { ChatItem, LLMChunk, ToolSpec } from '../types';
import { OpenAILLM, type OpenAILLMOptions } from './openai';
import { useProviderServer } from '../test-server';

const server = useProviderServer();

/** The server's HTTP control API (this file drives it over the wire on purpose). */
async function control(path: string, body?: object): Promise<any> {
  const init = body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {};
  return (await fetch(`${server.url}/__control/${path}`, init)).json();
}
const script = (...llm: LlmEntry[]) => control('script', { llm });
const requests = async (): Promise<LogEntry[]> => (await control('log')).requests;

const llm = (o: Partial<OpenAILLMOptions> = {}) => new OpenAILLM({ model: 'gpt-test', baseURL: `${server.url}/v1`, apiKey: 'sk-test-key-00000001', ...o });
let seq = 0;
const msg = (role: 'system' | 'user' | 'assistant', content: string): ChatItem => ({ type: 'message', id: `m${seq++}`, role, content, createdAt: 0 });
const user = (text: string) => [msg('user', text)];
const live = () => new AbortController().signal;
const ask = (o: Partial<OpenAILLMOptions> = {}) => run(llm(o).chat({ items: user('x'), tools: [], signal: live() }));
const GET_TIME: ToolSpec = { name: 'get_time', description: 'Current local time.', parameters: { type: 'object', properties: {} } };

/** Runs the stream to its end; returns what was yielded and the error it ended with, if any. */
async function run(iter: AsyncIterable<LLMChunk>) {
  const chunks: LLMChunk[] = [];
  let error: unknown;
  try {
    for await (const c of iter) chunks.push(c);
  } catch (err) {
    error = err;
  }
  const texts = chunks.flatMap((c) => (c.type === 'text' ? [c.delta] : []));
  return { chunks, error, text: texts.join(''), deltas: texts.length, calls: chunks.flatMap((c) => (c.type === 'tool_call' ? [c] : [])) };
}

describe('OpenAILLM streaming', () => {
  it('reassembles streamed text deltas exactly and reports usage', async () => {
    const text = 'The quick brown fox jumps over the extraordinarily lazy dog.  Twice!';
    await script({ text });
    const r = await run(llm().chat({ items: user('go'), tools: [], signal: live() }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe(text);
    expect(r.deltas).toBeGreaterThan(5);
    expect(r.chunks.at(-1)).toMatchObject({ type: 'usage', promptTokens: expect.any(Number), completionTokens: r.deltas });
    expect(r.chunks.at(-2)).toEqual({ type: 'finish' }); // at finish_reason, before usage and [DONE]
  });

  it('keeps UTF-8 multibyte text intact when the server splits writes inside characters', async () => {
    const text = 'Привет, мир! Ça va? 日本語のテキスト 👋🏽 done';
    await script({ text }, { text });
    expect((await ask()).text).toBe(text);
    // And with chunk pauses, so every split write surely arrives as its own read.
    await script({ text, chunkDelayMs: 3 });
    expect((await ask()).text).toBe(text);
  });

  it('joins two parallel tool calls by index, arguments split inside keys and escapes', async () => {
    const a = { city: 'Lisbon', note: 'say "olá"\n\\ok', days: [1, 2, 3] };
    const b = { city: 'Oslo', units: 'metric' };
    await script({ toolCalls: [{ name: 'get_weather', arguments: a, id: 'call_A1' }, { name: 'get_weather', arguments: b }] });
    const r = await run(llm().chat({ items: user('weather?'), tools: [GET_TIME], signal: live() }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('');
    expect(r.calls.map((c) => [c.callId.replace(/^call_(?!A1)\w+$/, 'call_*'), c.name])).toEqual([['call_A1', 'get_weather'], ['call_*', 'get_weather']]);
    expect(JSON.parse(r.calls[0]!.arguments)).toEqual(a);
    expect(JSON.parse(r.calls[1]!.arguments)).toEqual(b);
  });

  it('yields text first, then a tool call of the same response', async () => {
    await script({ text: 'Let me check.', toolCalls: [{ name: 'get_time', arguments: '{}' }] });
    const r = await run(llm().chat({ items: user('time?'), tools: [GET_TIME], signal: live() }));
    expect(r.text).toBe('Let me check.');
    expect(r.chunks.findIndex((c) => c.type === 'tool_call')).toBeGreaterThan(r.chunks.findIndex((c) => c.type === 'text'));
    expect(r.calls.map((c) => [c.name, c.arguments])).toEqual([['get_time', '{}']]);
  });

  it('sends grouped tool_calls, tool outputs and tools in the request body', async () => {
    const items: ChatItem[] = [
      msg('system', 'Be brief.'),
      msg('user', 'Time in Lisbon and Oslo?'),
      msg('assistant', 'Checking both.'),
      { type: 'function_call', id: 'f1', callId: 'call_1', name: 'get_time', arguments: '{"tz":"Europe/Lisbon"}', createdAt: 0 },
      { type: 'function_call', id: 'f2', callId: 'call_2', name: 'get_time', arguments: '{"tz":"Europe/Oslo"}', createdAt: 0 },
      { type: 'function_call_output', id: 'o1', callId: 'call_1', name: 'get_time', output: '{"time":"10:00"}', isError: false, createdAt: 0 },
      { type: 'function_call_output', id: 'o2', callId: 'call_2', name: 'get_time', output: '{"time":"11:00"}', isError: false, createdAt: 0 },
      { type: 'function_call', id: 'f3', callId: 'call_3', name: 'get_time', arguments: '{}', createdAt: 0 },
      { type: 'function_call_output', id: 'o3', callId: 'call_3', name: 'get_time', output: 'boom', isError: true, createdAt: 0 },
    ];
    await script({ text: 'ok' });
    await run(llm({ temperature: 0.3, maxTokens: 99 }).chat({ items, tools: [GET_TIME], signal: live() }));
    const [req] = await requests();
    expect(req!.body).toMatchObject({ model: 'gpt-test', stream: true, stream_options: { include_usage: true }, tool_choice: 'auto', temperature: 0.3, max_completion_tokens: 99 });
    expect((req!.body as { tools: unknown }).tools).toEqual([{ type: 'function', function: { name: 'get_time', description: 'Current local time.', parameters: { type: 'object', properties: {} } } }]);
    const call = (id: string, args: string) => ({ id, type: 'function', function: { name: 'get_time', arguments: args } });
    expect((req!.body as { messages: unknown }).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Time in Lisbon and Oslo?' },
      { role: 'assistant', content: 'Checking both.', tool_calls: [call('call_1', '{"tz":"Europe/Lisbon"}'), call('call_2', '{"tz":"Europe/Oslo"}')] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"time":"10:00"}' },
      { role: 'tool', tool_call_id: 'call_2', content: '{"time":"11:00"}' },
      { role: 'assistant', content: null, tool_calls: [call('call_3', '{}')] },
      { role: 'tool', tool_call_id: 'call_3', content: 'boom' },
    ]);
    expect(req!.authorization).toBe('Bearer sk-...0001');
  });

  it('omits tools and tool_choice when there are none; extraBody can drop defaults', async () => {
    await run(llm({ extraBody: { stream_options: undefined, seed: 7 } }).chat({ items: user('hi'), tools: [], signal: live() }));
    const body = (await requests())[0]!.body as Record<string, unknown>;
    for (const key of ['tools', 'tool_choice', 'stream_options']) expect(body).not.toHaveProperty(key);
    expect(body.seed).toBe(7);
  });
});

describe('OpenAILLM failures', () => {
  it('retries a 429 with retry-after-ms, then succeeds (two requests seen)', async () => {
    await script({ fault: { kind: 'status', status: 429, headers: { 'retry-after-ms': 50 } } }, { text: 'second time lucky' });
    const r = await ask();
    expect(r.text).toBe('second time lucky');
    const log = await requests();
    expect(log.map((e) => e.status)).toEqual([429, 200]);
    expect(log[1]!.startedAt - log[0]!.startedAt).toBeGreaterThanOrEqual(45);
  });

  it('does not retry insufficient_quota: provider-quota after one request', async () => {
    await script({ fault: { kind: 'status', status: 429, code: 'insufficient_quota', headers: { 'retry-after-ms': 10 } } }, { text: 'never' });
    const r = await ask();
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-quota', retryable: false, status: 429 });
    expect((r.error as Error).message).toContain('exceeded your current quota');
    expect(await requests()).toHaveLength(1);
  });

  it('retries 500 twice with backoff, then succeeds', async () => {
    const fault = { kind: 'status', status: 500 } as const;
    await script({ fault }, { fault }, { text: 'recovered' });
    const t0 = Date.now();
    const r = await ask();
    expect(r.text).toBe('recovered');
    expect((await requests()).map((e) => e.status)).toEqual([500, 500, 200]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(0.75 * (500 + 1000) - 20); // 0.5 s + 1 s, jittered
  });

  it('gives up on a persistent 500 after maxRetries + 1 requests: provider-server', async () => {
    const fault = { kind: 'status', status: 500, headers: { 'retry-after-ms': 5 } } as const;
    await script({ fault }, { fault }, { fault }, { fault });
    const r = await ask();
    expect(r.error).toMatchObject({ code: 'provider-server', retryable: true, status: 500 });
    expect((r.error as ProviderError).requestId).toBe((await requests())[2]!.id);
    expect(await requests()).toHaveLength(3);
    await control('reset', {});
    await script({ fault }, { fault });
    const r1 = await ask({ maxRetries: 1 });
    expect(r1.error).toMatchObject({ code: 'provider-server' });
    expect(await requests()).toHaveLength(2);
  });

  it('a stream cut mid-sentence yields the partial text, then provider-protocol', async () => {
    const text = 'One two three four five six seven eight.';
    await script({ text, fault: { kind: 'cut', afterChars: 13 } });
    const r = await ask();
    expect(r.text).toBe(text.slice(0, 13));
    expect(r.error).toMatchObject({ code: 'provider-protocol', retryable: false });
    expect((r.error as Error).message).toMatch(/ended early/);
    expect((await requests())[0]!.aborted).toBe(false); // the server cut it, not the client
  });

  it('an error event mid-stream becomes provider-server (not retried), after the partial text', async () => {
    await script({ text: 'Hello there, general', fault: { kind: 'midstream-error', afterChars: 5, error: { message: 'The model crashed', type: 'server_error', param: null, code: null } } });
    const r = await ask();
    expect(r.text).toBe('Hello');
    expect(r.error).toMatchObject({ code: 'provider-server', retryable: false });
    expect((r.error as Error).message).toContain('The model crashed');
    expect(await requests()).toHaveLength(1);
  });

  it('an abort mid-stream ends the iteration quietly and the server sees the disconnect', async () => {
    await script({ text: 'one two three four five six seven eight nine ten eleven twelve', chunkDelayMs: 30 });
    const ac = new AbortController();
    const got: string[] = [];
    for await (const c of llm().chat({ items: user('x'), tools: [], signal: ac.signal })) {
      if (c.type === 'text') got.push(c.delta);
      if (got.length === 2) ac.abort();
    }
    expect(got).toHaveLength(2);
    let entry: LogEntry | undefined;
    for (let i = 0; i < 100 && !entry?.endedAt; i++) entry = await new Promise((r) => setTimeout(r, 20)).then(async () => (await requests())[0]);
    expect(entry).toMatchObject({ aborted: true, status: 200 });
  });

  it('an already aborted signal yields nothing and sends nothing', async () => {
    expect(await run(llm().chat({ items: user('x'), tools: [], signal: AbortSignal.abort() }))).toMatchObject({ chunks: [], error: undefined });
    expect(await requests()).toHaveLength(0);
  });

  it('401 with a required key: provider-auth, not retried, and the key is not in the message', async () => {
    await control('config', { requireKey: 'sk-right-key-12345678' });
    const wrong = 'sk-wrong-key-abcdefgh';
    const r = await ask({ apiKey: wrong });
    expect(r.error).toMatchObject({ code: 'provider-auth', status: 401 });
    expect((r.error as Error).message).toContain('Incorrect API key provided');
    expect((r.error as Error).message).not.toContain(wrong);
    expect(JSON.stringify(await requests())).not.toContain(wrong);
    expect(await requests()).toHaveLength(1);
    const ok = await run(llm({ apiKey: 'sk-right-key-12345678' }).chat({ items: user('hi'), tools: [], signal: live() }));
    expect(ok.error).toBeUndefined();
  });

  it('calls getToken once per request attempt and sends its token', async () => {
    let n = 0;
    const getToken = async () => `ephemeral-token-000${++n}`;
    await script({ fault: { kind: 'status', status: 503, headers: { 'retry-after-ms': 5 } } }, { text: 'a' }, { text: 'b' });
    const o = { apiKey: undefined, getToken };
    await ask(o);
    await control('config', { requireKey: 'ephemeral-token-0003' }); // proves the token itself arrives
    const r = await ask(o);
    expect(r.text).toBe('b');
    expect(n).toBe(3);
    expect((await requests()).map((e) => e.authorization)).toEqual(['Bearer eph...0001', 'Bearer eph...0002', 'Bearer eph...0003']);
  });
});

describe('the demo brain (rule-based, not an AI)', () => {
  const brain = () => new OpenAILLM({ model: 'earshot-demo', baseURL: `${server.url}/v1` });
  it('greets, calls get_time, reads its result, and echoes anything else', async () => {
    const signal = new AbortController().signal;
    expect((await run(brain().chat({ items: [], tools: [], signal }))).text).toMatch(/^Hello! I'm the offline demo brain/);
    expect((await run(brain().chat({ items: user('hey there'), tools: [], signal }))).text).toMatch(/^Hello!/);
    const asked = await run(brain().chat({ items: user('What time is it?'), tools: [GET_TIME], signal }));
    expect(asked.calls.map((c) => [c.name, c.arguments])).toEqual([['get_time', '{}']]);
    const items: ChatItem[] = [
      ...user('What time is it?'),
      { type: 'function_call', id: 'f', callId: asked.calls[0]!.callId, name: 'get_time', arguments: '{}', createdAt: 0 },
      { type: 'function_call_output', id: 'o', callId: asked.calls[0]!.callId, name: 'get_time', output: '{"time":"2026-05-01T14:05:00"}', isError: false, createdAt: 0 },
    ];
    expect((await run(brain().chat({ items, tools: [GET_TIME], signal }))).text).toBe('It is 14:05 right now.');
    expect((await run(brain().chat({ items: user('Open the pod bay doors'), tools: [], signal }))).text).toBe(
      'I heard: "Open the pod bay doors". I\'m only a rule-based demo brain; plug in a real LLM in the settings.',
    );
  });

  it('looks an order up with the MCP server\'s lookup_order, and reads its result back', async () => {
    const signal = new AbortController().signal;
    const LOOKUP: ToolSpec = { name: 'lookup_order', description: 'Order status', parameters: { type: 'object', properties: { orderId: { type: 'string' } } } };
    const asked = await run(brain().chat({ items: user('Where is order a 1002?'), tools: [LOOKUP], signal }));
    expect(asked.calls.map((c) => [c.name, c.arguments])).toEqual([['lookup_order', '{"orderId":"A-1002"}']]);
    const output = JSON.stringify(JSON.stringify({ orderId: 'A-1002', status: 'processing', eta: 'in 3 days' }));
    const items: ChatItem[] = [
      ...user('Where is order a 1002?'),
      { type: 'function_call', id: 'f', callId: asked.calls[0]!.callId, name: 'lookup_order', arguments: '{"orderId":"A-1002"}', createdAt: 0 },
      { type: 'function_call_output', id: 'o', callId: asked.calls[0]!.callId, name: 'lookup_order', output, isError: false, createdAt: 0 },
    ];
    expect((await run(brain().chat({ items, tools: [LOOKUP], signal }))).text).toBe('Order A-1002 is processing, expected in 3 days.');
    // Without the tool offered, no call.
    expect((await run(brain().chat({ items: user('Where is order a 1002?'), tools: [], signal }))).calls).toEqual([]);
  });
});
