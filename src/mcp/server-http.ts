import type { MCPServer } from '../agent/mcp-server';
import { ConfigError, EarshotError } from '../errors';
import type { FunctionTool } from '../tools/function-tool';
import { compileJsonSchema } from '../tools/json-schema';
import { mcpError, resultValue, toFunctionTool, type McpTool } from './tools';

import type { McpClient as Client, McpTransport as Transport } from './sdk';

/** Options of {@link MCPServerHTTP}. */
export interface MCPServerHTTPOptions {
  /** The server's streamable HTTP endpoint (absolute, or relative to the page). */
  url: string | URL;
  /** Sent with every request (e.g. `{ authorization: 'Bearer …' }`, an API key header). */
  headers?: Record<string, string>;
  /**
   * Called before every request for a bearer token (sent as `Authorization: Bearer <token>`),
   * so a short-lived token can be refreshed. Wins over an `authorization` in `headers`.
   */
  getToken?: () => string | Promise<string>;
  /** Only these tools (by the server's names) are offered and callable. Default: all. */
  allowedTools?: readonly string[];
  /**
   * Limit for connecting (initialize + tools/list) and for each tool call, ms. A call past
   * it is cancelled on the server and the LLM gets an error result. Default: 10 000 for
   * connecting; calls get the pipeline's `timeouts.toolMs`.
   */
  timeoutMs?: number;
  /** How long `close()` waits for the session DELETE, ms. Default 2000. */
  closeTimeoutMs?: number;
  /** Shown in errors, e.g. `mcp:orders`. Default `mcp:<host><path>`. */
  label?: string;
  /** A fetch to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch;
}

const CONNECT_MS = 10_000;
const ABORTED = Symbol('aborted');
/** The SDK's own per-request limit for calls: the tool runner's deadline governs, this only backstops it. */
const CALL_BACKSTOP_MS = 24 * 60 * 60 * 1000;

/**
 * An MCP server over streamable HTTP whose tools an agent offers its LLM:
 * `new Agent({ mcpServers: [new MCPServerHTTP({ url })] })`. The session connects it on
 * `start()` (initialize, then `tools/list`), and closes it on `close()` (the session's
 * DELETE). Each tool's arguments are checked against its `inputSchema` before the call; a
 * barge-in cancels a running call (`notifications/cancelled`); an `isError` result reaches
 * the LLM as an error. `notifications/tools/list_changed` refreshes the list: the next LLM
 * request offers the new tools. The SDK loads on the first `connect()`, as its own chunk.
 */
export class MCPServerHTTP implements MCPServer {
  readonly label: string;
  readonly #options: MCPServerHTTPOptions;
  readonly #allowed: ReadonlySet<string> | null;
  #tools: readonly FunctionTool<any>[] = [];
  #client: Client | null = null;
  #transport: Transport | null = null;
  #connecting: AbortController | null = null;

  constructor(options: MCPServerHTTPOptions) {
    const { url, timeoutMs, closeTimeoutMs, allowedTools } = options;
    let parsed: URL;
    try {
      parsed = new URL(url, typeof location === 'undefined' ? undefined : location.href);
    } catch (err) {
      throw new ConfigError(`MCPServerHTTP: invalid url ${JSON.stringify(String(url))}`, { cause: err });
    }
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new ConfigError('MCPServerHTTP: timeoutMs must be a positive number of ms');
    if (closeTimeoutMs !== undefined && !(closeTimeoutMs >= 0)) throw new ConfigError('MCPServerHTTP: closeTimeoutMs must be a number of ms');
    if (allowedTools !== undefined && (!Array.isArray(allowedTools) || allowedTools.some((n) => typeof n !== 'string'))) throw new ConfigError('MCPServerHTTP: allowedTools must be a list of tool names');
    this.#options = { ...options, url: parsed };
    this.#allowed = allowedTools ? new Set(allowedTools) : null;
    this.label = options.label ?? `mcp:${parsed.host}${parsed.pathname}`;
  }

  /** The tools as last listed (allowed ones only); empty when not connected. */
  get tools(): readonly FunctionTool<any>[] {
    return this.#tools;
  }

  /** True between a successful `connect()` and `close()`. */
  get connected(): boolean {
    return this.#client !== null;
  }

  /**
   * Connects (a no-op when connected) and lists the tools. Rejects with a `ProviderError`
   * (`provider-auth`, `provider-network`, `provider-timeout`, …), a `ConfigError` for a tool
   * schema that cannot be used, or `closed` when `close()` or `signal` ends it first.
   */
  connect(signal?: AbortSignal): Promise<readonly FunctionTool<any>[]> {
    if (this.#client) return Promise.resolve(this.#tools);
    if (signal?.aborted) return Promise.reject(closedError());
    // A second caller while connecting shares the attempt.
    return (this.#pending ??= this.#connect(signal).finally(() => (this.#pending = null)));
  }

  #pending: Promise<readonly FunctionTool<any>[]> | null = null;

  async #connect(signal?: AbortSignal): Promise<readonly FunctionTool<any>[]> {
    const own = (this.#connecting = new AbortController());
    const aborted = signal ? AbortSignal.any([signal, own.signal]) : own.signal;
    const timeout = this.#options.timeoutMs ?? CONNECT_MS;
    // The requests are not aborted midway: the server may have opened a session whose id
    // has not been read yet. An abandoned attempt ends with a DELETE once it settles.
    const attempt = this.#open(timeout);
    let onAbort!: () => void;
    const abandoned = new Promise<typeof ABORTED>((resolve) => (onAbort = () => resolve(ABORTED)));
    const abandon = () => {
      this.#abandoned = attempt.then((o) => this.#end(o.client, o.transport), () => undefined);
      onAbort();
    };
    aborted.addEventListener('abort', abandon, { once: true });
    try {
      const opened = await Promise.race([attempt, abandoned]);
      if (opened === ABORTED) throw closedError();
      this.#client = opened.client;
      this.#transport = opened.transport;
      this.#setTools(opened.tools, opened.client);
      return this.#tools;
    } catch (err) {
      if (aborted.aborted) throw err instanceof EarshotError && err.code === 'closed' ? err : closedError(err);
      if (err instanceof EarshotError) throw err;
      throw mcpError(this.label, 'connect failed', err, timeout);
    } finally {
      aborted.removeEventListener('abort', abandon);
      if (this.#connecting === own) this.#connecting = null;
    }
  }

  /** initialize, then tools/list (every page), each within `timeout`; a failure ends what was opened. */
  async #open(timeout: number): Promise<{ client: Client; transport: Transport; tools: McpTool[] }> {
    const sdk = await import('./sdk');
    const client: Client = new sdk.Client(
      { name: 'earshot', version: '1' },
      {
        jsonSchemaValidator: { getValidator: outputValidator },
        listChanged: { tools: { onChanged: (error, tools) => this.#refresh(error, tools as McpTool[] | null, client) } },
      },
    );
    const transport = new sdk.StreamableHTTPClientTransport(this.#options.url as URL, this.#transportOptions());
    try {
      await client.connect(transport, { timeout });
      const tools: McpTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout });
        tools.push(...(page.tools as McpTool[]));
        cursor = page.nextCursor;
      } while (cursor);
      const allowed = tools.filter((t) => !this.#allowed || this.#allowed.has(t.name));
      // A schema the validator cannot use fails here, before the server counts as connected.
      allowed.forEach((t) => toFunctionTool(t, () => Promise.resolve(), undefined, this.label));
      return { client, transport, tools: allowed };
    } catch (err) {
      void this.#end(client, transport);
      throw err;
    }
  }

  /**
   * Ends the session: a DELETE (within `closeTimeoutMs`), then the connection. A connect in
   * progress rejects with `closed`; its session is ended too. Never rejects.
   */
  async close(): Promise<void> {
    this.#connecting?.abort();
    const client = this.#client;
    const transport = this.#transport;
    this.#client = null;
    this.#transport = null;
    this.#tools = [];
    await Promise.all([this.#end(client, transport), this.#bounded(this.#abandoned)]);
  }

  #abandoned: Promise<void> = Promise.resolve();

  async #bounded(work: Promise<unknown>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<void>((r) => (timer = setTimeout(r, this.#options.closeTimeoutMs ?? 2000)));
    await Promise.race([work, limit]);
    clearTimeout(timer);
  }

  async #end(client: Client | null, transport: Transport | null): Promise<void> {
    // A server that does not answer must not hold close(): closing the transport aborts the DELETE.
    if (transport?.sessionId) await this.#bounded(transport.terminateSession().catch(() => undefined));
    await client?.close().catch(() => undefined);
  }

  /** `tools/list_changed`: the SDK listed the tools again. A list that cannot be used keeps the old one. */
  #refresh(error: Error | null, listed: McpTool[] | null, client: Client | null): void {
    if (error || !listed || !client || this.#client !== client) return;
    try {
      this.#setTools(listed, client);
    } catch {
      // e.g. a new tool whose schema the validator cannot use: the old list stays.
    }
  }

  #setTools(listed: McpTool[], client: Client): void {
    const allowed = this.#allowed;
    const call = (name: string, args: unknown, signal: AbortSignal) =>
      client.callTool({ name, arguments: args as Record<string, unknown> }, undefined, { signal, timeout: CALL_BACKSTOP_MS }).then(resultValue, (err: unknown) => {
        if (signal.aborted) throw err;
        throw mcpError(this.label, `tool ${name} failed`, err);
      });
    this.#tools = listed.filter((t) => !allowed || allowed.has(t.name)).map((t) => toFunctionTool(t, call, this.#options.timeoutMs, this.label));
  }

  #transportOptions(): { requestInit?: RequestInit; fetch: typeof fetch } {
    const { headers, getToken } = this.#options;
    const base = this.#options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
    const withToken: typeof fetch = async (input, init) => {
      const h = new Headers(init?.headers);
      h.set('authorization', `Bearer ${await getToken!()}`);
      return base(input, { ...init, headers: h });
    };
    return { ...(headers ? { requestInit: { headers } } : {}), fetch: getToken ? withToken : base };
  }
}

/** Output schemas are checked by the same no-eval validator; one it cannot compile checks nothing. */
function outputValidator<T>(schema: unknown): (input: unknown) => { valid: true; data: T; errorMessage: undefined } | { valid: false; data: undefined; errorMessage: string } {
  let check: ReturnType<typeof compileJsonSchema>;
  try {
    check = compileJsonSchema(schema);
  } catch {
    return (input) => ({ valid: true, data: input as T, errorMessage: undefined });
  }
  return (input) => {
    const r = check(input);
    return r.ok ? { valid: true, data: r.value as T, errorMessage: undefined } : { valid: false, data: undefined, errorMessage: r.error };
  };
}

function closedError(cause?: unknown): EarshotError {
  return new EarshotError('closed', 'MCP connect ended by close()', cause === undefined ? undefined : { cause });
}
