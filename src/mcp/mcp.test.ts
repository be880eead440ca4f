// MCPServerHTTP against a real MCP server: the SDK's own server side (local-ai/mcp.mjs), over
// streamable HTTP on a local port. No fetch mocks.
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../providers/errors';
import { useProviderServer } from '../providers/test-server';
import { runToolCalls, type ToolCall } from '../tools/tool-runner';
import { MCPServerHTTP, type MCPServerHTTPOptions } from './index';

const server = useProviderServer();
const opened: MCPServerHTTP[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const mcp = (o: Partial<MCPServerHTTPOptions> = {}) => {
  const s = new MCPServerHTTP({ url: `${server.url}/mcp`, ...o });
  opened.push(s);
  return s;
};
const log = () => server.handler.mcp.log();
const run = (s: MCPServerHTTP, calls: ToolCall[], signal = new AbortController().signal) => runToolCalls(calls, [...s.tools], { signal, session: {} as never });
const call = (name: string, args: object, callId = `c-${name}`): ToolCall => ({ callId, name, arguments: JSON.stringify(args) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(done: () => boolean, what: string, ms = 5000): Promise<void> {
  for (let t = 0; !done(); t += 20) {
    if (t > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(20);
  }
}

describe('MCPServerHTTP: tools', () => {
  it('connects, lists the tools with their JSON Schemas (without $schema), and calls them', async () => {
    const s = mcp();
    const tools = await s.connect();
    expect(tools.map((t) => t.name)).toEqual(['get_time', 'lookup_order', 'unlock_refunds']);
    const lookup = tools.find((t) => t.name === 'lookup_order')!;
    expect(lookup.spec.parameters).toMatchObject({ type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' } } });
    expect(lookup.spec.parameters).not.toHaveProperty('$schema');
    expect(log().sessions).toHaveLength(1);

    const [time, order] = await run(s, [call('get_time', { timezone: 'Europe/Paris' }), call('lookup_order', { orderId: 'A-1001', delayMs: 10 })]);
    expect(time!.isError).toBe(false);
    expect(JSON.parse(JSON.parse(time!.output))).toMatchObject({ timezone: 'Europe/Paris' });
    expect(JSON.parse(JSON.parse(order!.output))).toEqual({ orderId: 'A-1001', status: 'shipped', carrier: 'DHL', eta: 'tomorrow' });
    expect(log().calls.map((c) => [c.name, c.outcome])).toEqual(expect.arrayContaining([['get_time', 'ok'], ['lookup_order', 'ok']]));
  });

  it('checks arguments against the inputSchema before calling: a bad call never reaches the server', async () => {
    const s = mcp();
    await s.connect();
    const [bad, missing] = await run(s, [call('lookup_order', { orderId: 42 }, 'a'), call('lookup_order', {}, 'b')]);
    expect(bad!.isError).toBe(true);
    expect(JSON.parse(bad!.output).error).toMatch(/Invalid arguments for lookup_order: orderId: expected string/);
    expect(JSON.parse(missing!.output).error).toMatch(/orderId: required property is missing/);
    expect(log().calls).toEqual([]);
  });

  it('an isError result reaches the LLM as an error with the server\'s text', async () => {
    const s = mcp();
    await s.connect();
    const [r] = await run(s, [call('lookup_order', { orderId: 'MISSING', delayMs: 0 })]);
    expect(r).toMatchObject({ isError: true, output: JSON.stringify({ error: 'No order MISSING' }) });
  });

  it('a call past timeoutMs gets an error result and is cancelled on the server', async () => {
    const s = mcp({ timeoutMs: 300 });
    await s.connect();
    const [r] = await run(s, [call('lookup_order', { orderId: 'A-1002', delayMs: 10_000 })]);
    expect(r!.isError).toBe(true);
    expect(JSON.parse(r!.output).error).toBe('Tool lookup_order timed out after 300 ms');
    await until(() => log().calls.some((c) => c.outcome === 'cancelled'), 'the server-side cancellation');
  });

  it('an abort (barge-in) cancels a running call on the server at once', async () => {
    const s = mcp();
    await s.connect();
    const ac = new AbortController();
    const running = run(s, [call('lookup_order', { orderId: 'A-1002', delayMs: 10_000 })], ac.signal);
    await sleep(200);
    ac.abort();
    const [r] = await running;
    expect(r!.output).toBe(JSON.stringify({ error: 'interrupted' }));
    await until(() => log().calls.some((c) => c.name === 'lookup_order' && c.outcome === 'cancelled'), 'the server-side cancellation');
  });

  it('allowedTools: only those are offered, and another name cannot be called', async () => {
    const s = mcp({ allowedTools: ['get_time'] });
    expect((await s.connect()).map((t) => t.name)).toEqual(['get_time']);
    const [r] = await run(s, [call('lookup_order', { orderId: 'A-1001', delayMs: 0 })]);
    expect(JSON.parse(r!.output).error).toBe('Unknown tool: lookup_order');
    expect(log().calls).toEqual([]);
  });

  it('notifications/tools/list_changed refreshes the list', async () => {
    const s = mcp();
    await s.connect();
    expect(s.tools.map((t) => t.name)).not.toContain('refund_order');
    await run(s, [call('unlock_refunds', {})]);
    await until(() => s.tools.some((t) => t.name === 'refund_order'), 'the refreshed list');
    const [r] = await run(s, [call('refund_order', { orderId: 'A-1003' })]);
    expect(JSON.parse(JSON.parse(r!.output))).toEqual({ orderId: 'A-1003', refunded: true });
  });

  it('two connect() calls at once share one attempt: one MCP session', async () => {
    const s = mcp();
    const [a, b] = await Promise.all([s.connect(), s.connect()]);
    expect(a).toBe(b);
    expect(log().sessions).toHaveLength(1);
  });

  it('close() ends the session with a DELETE; connect() after it opens a new one', async () => {
    const s = mcp();
    await s.connect();
    const [first] = log().sessions;
    await s.close();
    expect(log().deletes).toEqual([first]);
    expect(s.tools).toEqual([]);
    expect(s.connected).toBe(false);
    await s.connect();
    expect(log().sessions).toHaveLength(2);
  });
});

describe('MCPServerHTTP: connecting', () => {
  it('a server that wants a token: none is provider-auth; `headers` or `getToken` get in', async () => {
    server.handler.mcp.configure({ requireToken: 'tok-1' });
    const error = await mcp().connect().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider-auth', status: 401 });

    await mcp({ headers: { authorization: 'Bearer tok-1' } }).connect();
    let asked = 0;
    const tools = await mcp({ getToken: async () => (asked++, 'tok-1') }).connect();
    expect(tools.length).toBe(3);
    expect(asked).toBeGreaterThan(0);
    expect(log().sessions).toHaveLength(2);
  });

  it('a server that does not answer within timeoutMs: provider-timeout', async () => {
    // The request reaches nothing: it stays pending until aborted.
    const silent: typeof fetch = (_input, init) => new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const s = mcp({ fetch: silent, timeoutMs: 200 });
    await expect(s.connect()).rejects.toMatchObject({ name: 'ProviderError', code: 'provider-timeout', message: expect.stringContaining('no answer within 200 ms') });
    expect(s.connected).toBe(false);
  });

  it('no server there: provider-network', async () => {
    const s = new MCPServerHTTP({ url: 'http://127.0.0.1:9/mcp' });
    await expect(s.connect()).rejects.toMatchObject({ name: 'ProviderError', code: 'provider-network' });
  });

  it('close() during connect() rejects it with `closed`; the session the server opened meanwhile is DELETEd', async () => {
    // tools/list waits at a gate: the server has opened the session, the client is not connected yet.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held: typeof fetch = async (input, init) => {
      if (typeof init?.body === 'string' && init.body.includes('"tools/list"')) await gate;
      return fetch(input, init);
    };
    const s = mcp({ fetch: held });
    const outcome = s.connect().then(() => null, (e: unknown) => e);
    await until(() => log().sessions.length === 1, 'the initialize');
    const closing = s.close();
    release();
    await closing;
    expect(await outcome).toMatchObject({ code: 'closed' });
    expect(log().deletes).toEqual(log().sessions);
    expect(s.connected).toBe(false);
  });

  it('bad options are a ConfigError at construction', () => {
    expect(() => new MCPServerHTTP({ url: 'not a url' })).toThrow(/invalid url/);
    expect(() => new MCPServerHTTP({ url: 'http://x/mcp', timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => new MCPServerHTTP({ url: 'http://x/mcp', allowedTools: 'get_time' as never })).toThrow(/allowedTools/);
  });
});
