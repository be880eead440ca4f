// MCP tools as Earshot FunctionTools: the server's inputSchema is what the LLM sees and what
// the arguments are checked against (earshot/json-schema: no eval); results become values.
import { ConfigError, EarshotError } from '../errors';
import { ProviderError, type ProviderErrorCode } from '../providers/errors';
import type { JsonSchema } from '../providers/types';
import type { FunctionTool, ParseResult } from '../tools/function-tool';
import { compileJsonSchema } from '../tools/json-schema';

/** A tool as `tools/list` describes it (the fields used here). */
export interface McpTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: { type: 'object'; [key: string]: unknown };
}

/** A `tools/call` result (the fields used here). */
interface McpResult {
  content?: { type: string; text?: string }[];
  structuredContent?: unknown;
  isError?: boolean;
  toolResult?: unknown;
}

const NAME_RE = /[^a-zA-Z0-9_-]/g;

/**
 * Makes `tool` callable by the LLM. Its name is kept when OpenAI's rule allows it, else
 * other characters become `_` (the server still gets its own name). Throws a `ConfigError`
 * for an input schema the validator cannot use.
 */
export function toFunctionTool(
  tool: McpTool,
  call: (name: string, args: unknown, signal: AbortSignal) => Promise<unknown>,
  timeoutMs: number | undefined,
  label: string,
): FunctionTool<Record<string, unknown>> {
  const name = tool.name.replace(NAME_RE, '_').slice(0, 64) || 'tool';
  const parameters: JsonSchema = { ...tool.inputSchema };
  delete parameters.$schema;
  if (parameters.type !== 'object') throw new ConfigError(`${label}: tool ${tool.name}: inputSchema must be an object schema`);
  let check: ReturnType<typeof compileJsonSchema>;
  try {
    check = compileJsonSchema(parameters);
  } catch (err) {
    throw new ConfigError(`${label}: tool ${tool.name}: unsupported JSON Schema: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const description = tool.description ?? tool.title ?? '';
  return {
    name,
    description,
    spec: { name, description, parameters },
    ready: Promise.resolve(),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    async parse(rawJson: string): Promise<ParseResult<Record<string, unknown>>> {
      let value: unknown;
      try {
        value = JSON.parse(rawJson.trim() === '' ? '{}' : rawJson);
      } catch (err) {
        return { ok: false, error: `Invalid arguments for ${name}: not valid JSON (${err instanceof Error ? err.message : String(err)})` };
      }
      const r = check(value);
      return r.ok ? { ok: true, args: r.value as Record<string, unknown> } : { ok: false, error: `Invalid arguments for ${name}: ${r.error}` };
    },
    execute: (args, ctx) => call(tool.name, args, ctx.signal),
  };
}

/**
 * What the LLM gets from a result: `structuredContent` when given, else the text parts
 * (one part: its text; several: joined by newlines; other kinds are named, e.g. `[image]`).
 * An `isError` result throws, so the runner sends `{"error": text}`.
 */
export function resultValue(raw: unknown): unknown {
  const r = raw as McpResult;
  if (!Array.isArray(r.content) && 'toolResult' in r) return r.toolResult;
  const text = (r.content ?? []).map((c) => (c.type === 'text' ? (c.text ?? '') : `[${c.type}]`)).join('\n');
  if (r.isError) throw new Error(text || 'The tool failed');
  return r.structuredContent !== undefined ? r.structuredContent : text;
}

/** An SDK or HTTP failure as a `ProviderError` of `label`. */
export function mcpError(label: string, what: string, err: unknown, timeoutMs?: number): EarshotError {
  if (err instanceof EarshotError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const status = httpStatus(err);
  let code: ProviderErrorCode = 'provider-protocol';
  if (status === 401 || status === 403) code = 'provider-auth';
  else if (status === 429) code = 'provider-rate-limited';
  else if (status !== undefined && status >= 500) code = 'provider-server';
  else if (status !== undefined && status >= 400) code = 'provider-bad-request';
  // The SDK's RequestTimeout (-32001) when no answer came in time.
  else if ((err as { code?: unknown })?.code === -32001 && /timed out|timeout/i.test(message)) code = 'provider-timeout';
  else if (err instanceof TypeError) code = 'provider-network';
  const detail = code === 'provider-timeout' && timeoutMs !== undefined ? `no answer within ${timeoutMs} ms` : message;
  return new ProviderError(code, label, `${what}: ${detail}`, {
    cause: err,
    ...(status !== undefined ? { status } : {}),
    retryable: code === 'provider-network' || code === 'provider-server' || code === 'provider-timeout' || code === 'provider-rate-limited',
  });
}

/** The HTTP status of a StreamableHTTPError (its `code`) or of an SDK error message. */
function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'number' && code >= 100 && code < 600) return code;
  const m = /\bHTTP (\d{3})\b|Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(err instanceof Error ? err.message : '');
  return m ? Number(m[1] ?? m[2]) : undefined;
}
