// MCP tool descriptions and results as Earshot sees them (pure: no server).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { mcpError, resultValue, toFunctionTool, type McpTool } from './tools';

const never = () => Promise.reject(new Error('not called'));
const tool = (t: Partial<McpTool>): McpTool => ({ name: 'lookup', inputSchema: { type: 'object', properties: {} }, ...t });

describe('toFunctionTool', () => {
  it('keeps a name OpenAI accepts, else replaces other characters; the server still gets its own name', async () => {
    const calls: string[] = [];
    const t = toFunctionTool(tool({ name: 'orders.lookup/v2' }), async (name) => void calls.push(name), undefined, 'mcp:x');
    expect(t.name).toBe('orders_lookup_v2');
    expect(t.spec.name).toBe('orders_lookup_v2');
    await t.execute({}, { signal: new AbortController().signal, callId: 'c', session: {} as never });
    expect(calls).toEqual(['orders.lookup/v2']);
  });

  it('sends the inputSchema without $schema, and checks arguments against it (defaults filled in)', async () => {
    const t = toFunctionTool(tool({ inputSchema: { type: 'object', $schema: 'http://json-schema.org/draft-07/schema#', properties: { n: { type: 'integer', default: 1 } } } }), never, 5000, 'mcp:x');
    expect(t.spec.parameters).toEqual({ type: 'object', properties: { n: { type: 'integer', default: 1 } } });
    expect(t.timeoutMs).toBe(5000);
    expect(await t.parse('')).toEqual({ ok: true, args: { n: 1 } });
    expect(await t.parse('{"n":"x"}')).toMatchObject({ ok: false, error: expect.stringContaining('n: expected integer') });
    expect(await t.parse('{')).toMatchObject({ ok: false, error: expect.stringContaining('not valid JSON') });
  });

  it('a schema the validator cannot use is a ConfigError naming the tool', () => {
    expect(() => toFunctionTool(tool({ inputSchema: { type: 'object', properties: { a: { type: 'strin' } } } }), never, undefined, 'mcp:x')).toThrow(ConfigError);
    expect(() => toFunctionTool(tool({ inputSchema: { type: 'object', properties: { a: { type: 'strin' } } } }), never, undefined, 'mcp:x')).toThrow(/mcp:x: tool lookup: unsupported JSON Schema/);
  });
});

describe('resultValue', () => {
  it('structuredContent wins; else the text parts; other parts are named', () => {
    expect(resultValue({ content: [{ type: 'text', text: 'x' }], structuredContent: { a: 1 } })).toEqual({ a: 1 });
    expect(resultValue({ content: [{ type: 'text', text: 'a' }, { type: 'image' }, { type: 'text', text: 'b' }] })).toBe('a\n[image]\nb');
  });

  it('isError throws with the text, so the LLM gets an error result', () => {
    expect(() => resultValue({ content: [{ type: 'text', text: 'No such order' }], isError: true })).toThrow('No such order');
  });
});

describe('mcpError', () => {
  it('maps HTTP statuses and network failures to ProviderError codes', () => {
    expect(mcpError('mcp:x', 'connect failed', Object.assign(new Error('Streamable HTTP error: Unauthorized'), { code: 401 }))).toMatchObject({ code: 'provider-auth', status: 401, retryable: false });
    expect(mcpError('mcp:x', 'connect failed', Object.assign(new Error('busy'), { code: 503 }))).toMatchObject({ code: 'provider-server', retryable: true });
    expect(mcpError('mcp:x', 'connect failed', new TypeError('fetch failed'))).toMatchObject({ code: 'provider-network', message: 'mcp:x: connect failed: fetch failed' });
    expect(mcpError('mcp:x', 'connect failed', Object.assign(new Error('MCP error -32001: Request timed out'), { code: -32001 }), 300)).toMatchObject({ code: 'provider-timeout', message: 'mcp:x: connect failed: no answer within 300 ms' });
  });
});
