// A real MCP server (the @modelcontextprotocol/sdk server side) over streamable HTTP, for
// Earshot's MCP client tests and the demo; the provider handler mounts it at `/mcp`
// (`npm run dev`: /local-ai/mcp). One McpServer + transport per MCP session. CORS is open
// and exposes `Mcp-Session-Id`, so a page on another origin can keep its session.
// Tools:
//   get_time {timezone?}             the time now, in an IANA zone (default UTC)
//   lookup_order {orderId, delayMs?} an order's status after `delayMs` (default 1200);
//                                    honours cancellation (logged as `cancelled`);
//                                    orderId "MISSING" gives an isError result
//   unlock_refunds {}                adds `refund_order` to this session's tools, which
//                                    sends notifications/tools/list_changed
// What happened is in `log()`: calls (with their outcome), sessions opened, session DELETEs.
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { sleep } from './http.mjs';

export const MCP_CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id',
  'access-control-expose-headers': 'mcp-session-id, mcp-protocol-version',
  'access-control-max-age': '600',
};

const ORDERS = {
  'A-1001': { status: 'shipped', carrier: 'DHL', eta: 'tomorrow' },
  'A-1002': { status: 'processing', eta: 'in 3 days' },
  'A-1003': { status: 'delivered', deliveredOn: 'Monday' },
};

/**
 * @typedef {{ sessionId: string, name: string, arguments: unknown, outcome: 'ok' | 'error' | 'cancelled' }} McpCall
 * @typedef {{ calls: McpCall[], sessions: string[], deletes: string[], authorizations: (string | null)[] }} McpLog
 */

/** Creates the `/mcp` handler: `handle(req, res)`, plus `log()`, `reset()`, `configure()`. */
export function createMcpHandler() {
  /** @type {Map<string, { transport: StreamableHTTPServerTransport, server: McpServer }>} */
  const sessions = new Map();
  /** @type {McpLog} */
  let log = { calls: [], sessions: [], deletes: [], authorizations: [] };
  let config = { requireToken: /** @type {string | null} */ (null) };

  function makeServer(sessionIdOf) {
    const server = new McpServer({ name: 'earshot-local-mcp', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    const record = (name, args, outcome) => log.calls.push({ sessionId: sessionIdOf(), name, arguments: args, outcome });
    const text = (value) => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) }] });

    server.registerTool('get_time', {
      description: 'The current date and time in a time zone.',
      inputSchema: { timezone: z.string().min(1).optional().describe('IANA time zone, e.g. Europe/Paris. Default UTC.') },
    }, async (args) => {
      const timeZone = args.timezone ?? 'UTC';
      try {
        const time = new Date().toLocaleString('en-GB', { timeZone, dateStyle: 'full', timeStyle: 'short' });
        record('get_time', args, 'ok');
        return text({ timezone: timeZone, time });
      } catch {
        record('get_time', args, 'error');
        return { ...text(`Unknown time zone: ${timeZone}`), isError: true };
      }
    });

    server.registerTool('lookup_order', {
      description: 'Looks up an order by its id (like A-1001): status and delivery estimate. Takes a moment.',
      inputSchema: {
        orderId: z.string().regex(/^[A-Z]+-?[0-9]+$|^MISSING$/).describe('Order id, e.g. A-1001'),
        delayMs: z.number().int().min(0).max(60_000).optional().describe('Test hook: how long the lookup takes, ms (default 1200)'),
      },
    }, async (args, extra) => {
      await sleep(args.delayMs ?? 1200, extra.signal);
      if (extra.signal.aborted) {
        record('lookup_order', args, 'cancelled');
        return text('cancelled');
      }
      const order = ORDERS[args.orderId];
      if (!order) {
        record('lookup_order', args, 'error');
        return { ...text(`No order ${args.orderId}`), isError: true };
      }
      record('lookup_order', args, 'ok');
      return text({ orderId: args.orderId, ...order });
    });

    let refunds = null;
    server.registerTool('unlock_refunds', {
      description: 'Makes the refund_order tool available (after the caller is verified).',
      inputSchema: {},
    }, async (args) => {
      // registerTool on a connected server sends notifications/tools/list_changed itself.
      refunds ??= server.registerTool('refund_order', {
        description: 'Refunds an order.',
        inputSchema: { orderId: z.string().min(1) },
      }, async (a) => {
        record('refund_order', a, 'ok');
        return text({ orderId: a.orderId, refunded: true });
      });
      record('unlock_refunds', args, 'ok');
      return text('refund_order is now available');
    });
    return server;
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    for (const [k, v] of Object.entries(MCP_CORS_HEADERS)) res.setHeader(k, v);
    if (req.method === 'OPTIONS') { res.writeHead(204); res.end(); return; }
    const auth = req.headers.authorization ?? null;
    log.authorizations.push(auth);
    if (config.requireToken && auth !== `Bearer ${config.requireToken}`) return jsonRpcError(res, 401, 'Unauthorized');
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (body === INVALID) return jsonRpcError(res, 400, 'Parse error', -32700);
    const sid = req.headers['mcp-session-id'];
    const known = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (known) return known.transport.handleRequest(req, res, body);
    if (typeof sid === 'string') return jsonRpcError(res, 404, 'Session not found', -32001);
    if (req.method !== 'POST' || !isInitializeRequest(body)) return jsonRpcError(res, 400, 'Bad Request: no valid session ID provided');
    let id = '';
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (newId) => {
        id = newId;
        sessions.set(newId, { transport, server });
        log.sessions.push(newId);
      },
      onsessionclosed: (closedId) => {
        log.deletes.push(closedId);
        sessions.delete(closedId);
      },
    });
    const server = makeServer(() => id);
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  return {
    handle: (req, res) => handle(req, res).catch((e) => {
      if (!res.headersSent) jsonRpcError(res, 500, `Local MCP server error: ${e?.message ?? e}`, -32603);
      else res.destroy();
    }),
    /** What was called, opened and deleted since the last reset. */
    log: () => log,
    /** `requireToken`: requests must carry `Authorization: Bearer <token>` (else 401). */
    configure(patch) { config = { ...config, ...patch }; },
    /** Ends every session (server side) and clears the log and config. */
    async reset() {
      const open = [...sessions.values()];
      sessions.clear();
      log = { calls: [], sessions: [], deletes: [], authorizations: [] };
      config = { requireToken: null };
      await Promise.all(open.map((s) => s.server.close().catch(() => undefined)));
    },
    async close() { await this.reset(); },
  };
}

const INVALID = Symbol('invalid');

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(INVALID);
      }
    });
  });
}

function jsonRpcError(res, status, message, code = -32000) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
