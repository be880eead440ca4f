// AnthropicLLM against the real local provider server (no fetch mocks): /v1/messages sends the
// bytes Anthropic sends (spec/protocols.md §7) and rejects requests the real API rejects.
import { describe, expect, it } from 'vitest';
import type { LlmEntry, LogEntry } from '../../../local-ai/server.mjs';
import { ProviderError } from '../errors';
import type { ChatItem, LLMChunk, ToolSpec } from '../types';
import { AnthropicLLM, type AnthropicLLMOptions } from './anthropic';
import { CONVERSATION_START } from './anthropic-format';
import { useProviderServer } from '../test-server';

const server = useProviderServer();

async function control(path: string, body?: object): Promise<any> {
  const init = body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {};
  return (await fetch(`${server.url}/__control/${path}`, init)).json();
}
const script = (...llm: LlmEntry[]) => control('script', { llm });
const requests = async (): Promise<LogEntry[]> => (await control('log')).requests;

const KEY = 'sk-ant-test-key-0001';
const llm = (o: Partial<AnthropicLLMOptions> = {}) => new AnthropicLLM({ model: 'claude-test', baseURL: `${server.url}/v1`, apiKey: KEY, ...o });
let seq = 0;
const msg = (role: 'system' | 'developer' | 'user' | 'assistant', content: string): ChatItem => ({ type: 'message', id: `m${seq++}`, role, content, createdAt: 0 });
const call = (callId: string, args: string): ChatItem => ({ type: 'function_call', id: `f${seq++}`, callId, name: 'get_time', arguments: args, createdAt: 0 });
const output = (callId: string, out: string, isError = false): ChatItem => ({ type: 'function_call_output', id: `o${seq++}`, callId, name: 'get_time', output: out, isError, createdAt: 0 });
const live = () => new AbortController().signal;
const ask = (o: Partial<AnthropicLLMOptions> = {}, items = [msg('user', 'x')]) => run(llm(o).chat({ items, tools: [], signal: live() }));
const GET_TIME: ToolSpec = { name: 'get_time', description: 'Current local time.', parameters: { type: 'object', properties: { tz: { type: 'string' } } } };

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

describe('AnthropicLLM streaming', () => {
  it('streams text deltas exactly, sends the Anthropic headers, reports usage', async () => {
    const text = 'Привет! The quick brown fox jumps over the extraordinarily lazy dog. 👋🏽';
    await script({ text, chunkDelayMs: 2 });
    const r = await ask({ betas: ['beta-a', 'beta-b'] });
    expect(r.error).toBeUndefined();
    expect(r.text).toBe(text);
    expect(r.deltas).toBeGreaterThan(5);
    expect(r.chunks.at(-1)).toMatchObject({ type: 'usage', promptTokens: expect.any(Number), completionTokens: r.deltas });
    const [req] = await requests();
    expect(req!.headers).toEqual({ 'x-api-key': 'sk-...0001', 'anthropic-version': '2023-06-01', 'anthropic-dangerous-direct-browser-access': 'true', 'anthropic-beta': 'beta-a,beta-b' });
    expect(req!.authorization).toBeNull();
    expect(req!.body).toMatchObject({ model: 'claude-test', max_tokens: 1024, stream: true });
  });

  it('skips ping, thinking blocks, unknown event and block types', async () => {
    await script({ text: 'Just the answer.', thinking: 'Let me think about this carefully.', extraEvents: true });
    const r = await ask();
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Just the answer.');
    expect(r.chunks.map((c) => c.type)).toEqual(['text', 'text', 'text', 'text', 'finish', 'usage']);
  });

  it('joins tool input split at odd places; text first, then each tool_use as a tool_call', async () => {
    const a = { tz: 'Europe/Lisbon', note: 'say "olá"\n\\ok', days: [1, 2, 3] };
    await script({ text: 'Checking.', toolCalls: [{ name: 'get_time', arguments: a, id: 'toolu_01A' }, { name: 'get_time', arguments: {} }] });
    const r = await run(llm().chat({ items: [msg('user', 'time?')], tools: [GET_TIME], signal: live() }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Checking.');
    expect(r.chunks.findIndex((c) => c.type === 'tool_call')).toBeGreaterThan(r.chunks.findIndex((c) => c.type === 'text'));
    expect(r.calls.map((c) => [c.callId, c.name])).toEqual([['toolu_01A', 'get_time'], [expect.stringMatching(/^toolu_01\w{22}$/), 'get_time']]);
    expect(JSON.parse(r.calls[0]!.arguments)).toEqual(a);
    expect(JSON.parse(r.calls[1]!.arguments)).toEqual({});
  });

  it('max_tokens inside a tool input: the complete call is yielded, the half-made one is dropped', async () => {
    await script({ text: 'Two checks.', toolCalls: [{ name: 'get_time', arguments: { tz: 'Europe/Oslo' }, id: 'toolu_ok' }, { name: 'get_time', arguments: { tz: 'Asia/Tokyo' }, id: 'toolu_cut' }], maxTokensInTool: true });
    const r = await run(llm().chat({ items: [msg('user', 'x')], tools: [GET_TIME], signal: live() }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Two checks.');
    expect(r.calls.map((c) => [c.callId, JSON.parse(c.arguments)])).toEqual([['toolu_ok', { tz: 'Europe/Oslo' }]]);
  });

  it('sends system, merged turns, tool_use and tool_result blocks the way the API accepts them', async () => {
    const items: ChatItem[] = [
      msg('system', 'Be brief.'),
      msg('assistant', 'Hi! How can I help?'), // the agent spoke first
      msg('user', 'Time in Lisbon'),
      msg('user', 'and Oslo?'),
      msg('assistant', 'Checking both.'),
      call('toolu_1', '{"tz":"Europe/Lisbon"}'),
      call('toolu_2', 'not json'),
      output('toolu_1', '{"time":"10:00"}'),
      output('toolu_2', 'boom', true),
      msg('assistant', ''), // interrupted before anything was heard
      msg('developer', 'Answer in one sentence.'),
    ];
    await script({ text: 'ok' });
    const r = await run(llm({ temperature: 0.3, maxTokens: 99 }).chat({ items, tools: [GET_TIME], toolChoice: 'required', signal: live() }));
    expect(r.error).toBeUndefined(); // the server applies the API's checks
    const body = (await requests())[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ system: 'Be brief.\n\nAnswer in one sentence.', temperature: 0.3, max_tokens: 99, tool_choice: { type: 'any' } });
    expect(body.tools).toEqual([{ name: 'get_time', description: 'Current local time.', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } }]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: CONVERSATION_START }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hi! How can I help?' }] },
      { role: 'user', content: [{ type: 'text', text: 'Time in Lisbon' }, { type: 'text', text: 'and Oslo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_time', input: { tz: 'Europe/Lisbon' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"time":"10:00"}' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'boom', is_error: true },
        ],
      },
    ]);
  });

  it('a tool round trip: the answer to the tool_result is read back by the demo brain', async () => {
    const items: ChatItem[] = [msg('user', 'What time is it?')];
    const first = await run(llm().chat({ items, tools: [GET_TIME], signal: live() }));
    expect(first.calls.map((c) => [c.name, c.arguments])).toEqual([['get_time', '{}']]);
    items.push(call(first.calls[0]!.callId, '{}'), output(first.calls[0]!.callId, '{"time":"2026-05-01T14:05:00"}'));
    const second = await run(llm().chat({ items, tools: [GET_TIME], signal: live() }));
    expect(second.error).toBeUndefined();
    expect(second.text).toBe('It is 14:05 right now.');
  });

  it('without tools (a forced final answer), tool history goes as text, which the API accepts', async () => {
    await script({ text: 'It is ten.' });
    const items = [msg('user', 'time?'), call('toolu_9', '{}'), output('toolu_9', '{"time":"10:00"}'), msg('user', 'well?')];
    const r = await run(llm().chat({ items, tools: [], toolChoice: 'none', signal: live() }));
    expect(r.error).toBeUndefined();
    const body = (await requests())[0]!.body as { messages: unknown; tools?: unknown };
    expect(body.tools).toBeUndefined();
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'time?' }] },
      { role: 'assistant', content: [{ type: 'text', text: '[called get_time({})]' }] },
      { role: 'user', content: [{ type: 'text', text: '[get_time returned: {"time":"10:00"}]' }, { type: 'text', text: 'well?' }] },
    ]);
  });
});

describe('the /v1/messages stand-in', () => {
  it('answers CORS only to requests that opt in to direct browser access, as Anthropic does', async () => {
    const url = `${server.url}/v1/messages`;
    const body = JSON.stringify({ model: 'm', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const post = (extra: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'anthropic-version': '2023-06-01', ...extra }, body }).then(async (r) => (await r.text(), r.headers));
    expect((await post({})).get('access-control-allow-origin')).toBeNull();
    const optedIn = await post({ 'anthropic-dangerous-direct-browser-access': 'true' });
    expect(optedIn.get('access-control-allow-origin')).toBe('*');
    expect(optedIn.get('access-control-expose-headers')).toContain('request-id');
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key,anthropic-version,anthropic-dangerous-direct-browser-access' } });
    expect(preflight.headers.get('access-control-allow-headers')).toContain('anthropic-dangerous-direct-browser-access');
  });
});

describe('AnthropicLLM failures', () => {
  it('401: provider-auth from the Anthropic error body, not retried, request-id kept', async () => {
    await control('config', { requireKey: 'sk-ant-right-key-1234' });
    const r = await ask({ apiKey: 'sk-ant-wrong-key-9999' });
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'provider-auth', status: 401, retryable: false });
    expect((r.error as Error).message).toContain('invalid x-api-key');
    const log = await requests();
    expect(log).toHaveLength(1);
    expect((r.error as ProviderError).requestId).toBe(log[0]!.id);
    expect((await ask({ apiKey: 'sk-ant-right-key-1234' })).error).toBeUndefined();
  });

  it('getToken: its token goes as Authorization: Bearer, not x-api-key', async () => {
    await control('config', { requireKey: 'short-lived-token-77' });
    const r = await ask({ apiKey: undefined, getToken: async () => 'short-lived-token-77' });
    expect(r.error).toBeUndefined();
    const [req] = await requests();
    expect(req!.authorization).toBe('Bearer sho...n-77');
    expect(req!.headers?.['x-api-key']).toBeUndefined();
  });

  it('retries a 429 after its retry-after (seconds), then streams', async () => {
    await script({ fault: { kind: 'status', status: 429, headers: { 'retry-after': 1 } } }, { text: 'after the wait' });
    const r = await ask();
    expect(r.text).toBe('after the wait');
    const log = await requests();
    expect(log.map((e) => e.status)).toEqual([429, 200]);
    // Backoff alone would have waited at most 0.5 s.
    expect(log[1]!.startedAt - log[0]!.startedAt).toBeGreaterThanOrEqual(950);
  });

  it('retries 529 overloaded_error; a persistent one ends as provider-server, retryable', async () => {
    const fault = { kind: 'status', status: 529, headers: { 'retry-after-ms': 5 } } as const;
    await script({ fault }, { text: 'back' });
    expect((await ask()).text).toBe('back');
    await control('reset', {});
    await script({ fault }, { fault }, { fault });
    const r = await ask();
    expect(r.error).toMatchObject({ code: 'provider-server', status: 529, retryable: true });
    expect((r.error as Error).message).toContain('Overloaded');
    expect(await requests()).toHaveLength(3);
  });

  it('a 429 spend limit is provider-quota and is not retried', async () => {
    await script({ fault: { kind: 'status', status: 429, code: 'enforced_spend_limit_reached', headers: { 'retry-after-ms': 5 } } }, { text: 'never' });
    const r = await ask();
    expect(r.error).toMatchObject({ code: 'provider-quota', retryable: false });
    expect(await requests()).toHaveLength(1);
  });

  it('an overloaded error event mid-stream: partial text, then provider-server (retryable, not retried)', async () => {
    await script({ text: 'Hello there, general Kenobi', fault: { kind: 'midstream-error', afterChars: 5 } });
    const r = await ask();
    expect(r.text).toBe('Hello');
    expect(r.error).toMatchObject({ code: 'provider-server', retryable: true });
    expect((r.error as Error).message).toContain('overloaded_error: Overloaded');
    expect(await requests()).toHaveLength(1);
  });

  it('an error event of another type maps by type', async () => {
    await script({ text: 'Hi', fault: { kind: 'midstream-error', afterChars: 0, error: { type: 'invalid_request_error', message: 'prompt is too long' } } });
    expect((await ask()).error).toMatchObject({ code: 'provider-bad-request', retryable: false });
  });

  it('a connection cut mid-stream: the partial text, then provider-protocol', async () => {
    const text = 'One two three four five six seven eight.';
    await script({ text, fault: { kind: 'cut', afterChars: 13 } });
    const r = await ask();
    expect(r.text).toBe(text.slice(0, 13));
    expect(r.error).toMatchObject({ code: 'provider-protocol' });
    expect((r.error as Error).message).toMatch(/ended early/);
  });

  it('an abort mid-stream ends quietly and the server sees the disconnect', async () => {
    await script({ text: 'one two three four five six seven eight nine ten eleven twelve', chunkDelayMs: 30 });
    const ac = new AbortController();
    const got: string[] = [];
    let error: unknown;
    try {
      for await (const c of llm().chat({ items: [msg('user', 'x')], tools: [], signal: ac.signal })) {
        if (c.type === 'text') got.push(c.delta);
        if (got.length === 2) ac.abort();
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeUndefined();
    expect(got).toHaveLength(2);
    let entry: LogEntry | undefined;
    for (let i = 0; i < 100 && !entry?.endedAt; i++) entry = await new Promise((r) => setTimeout(r, 20)).then(async () => (await requests())[0]);
    expect(entry).toMatchObject({ aborted: true, status: 200 });
  });

  it('an abort while waiting for a slow first byte ends quietly', async () => {
    await script({ text: 'late', delayMs: 5000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await run(llm().chat({ items: [msg('user', 'x')], tools: [], signal: ac.signal }));
    expect(r).toMatchObject({ chunks: [], error: undefined });
  });

  it('a request the API would reject is provider-bad-request with its message', async () => {
    const r = await ask({ extraBody: { max_tokens: undefined } });
    expect(r.error).toMatchObject({ code: 'provider-bad-request', status: 400, retryable: false });
    expect((r.error as Error).message).toContain('max_tokens: Field required');
  });
});
