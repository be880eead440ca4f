// Request plumbing of the local provider server: CORS, a per-request context with a log
// entry and a disconnect signal, body reading, SSE writes, multipart parsing.
import { randomBytes } from 'node:crypto';
import { openAiError } from './faults.mjs';

export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, x-api-key, openai-beta, anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access, xi-api-key',
  'access-control-expose-headers': 'x-request-id, request-id, retry-after, retry-after-ms, x-ratelimit-remaining-requests',
  'access-control-max-age': '600',
};
const MAX_BODY = 25 * 1024 * 1024; // OpenAI's upload limit

export const rand = (n) => randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n);
export const sleep = (ms, signal) => new Promise((resolve) => {
  if (signal?.aborted) return resolve(undefined);
  const t = setTimeout(done, Math.max(0, ms));
  function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(undefined); }
  signal?.addEventListener('abort', done, { once: true });
});

/** Masks a secret like OpenAI's error messages do: `sk-...1234`; short secrets become `***`. */
export function maskSecret(secret) {
  if (!secret) return '';
  return secret.length >= 12 ? `${secret.slice(0, 3)}...${secret.slice(-4)}` : '***';
}
function maskAuthorization(value) {
  if (!value) return null;
  const m = /^(\S+)\s+(.*)$/.exec(value);
  return m ? `${m[1]} ${maskSecret(m[2])}` : maskSecret(value);
}


/**
 * Per-request context: the log entry (pushed to `log`), a signal that fires on disconnect,
 * counted writes.
 */
export function begin(req, res, route, log) {
  const ac = new AbortController();
  /** @type {LogEntry} */
  const entry = { id: String(res.getHeader('x-request-id')), route, method: req.method ?? 'GET', startedAt: Date.now(), endedAt: null, status: null, aborted: false, authorization: maskAuthorization(req.headers.authorization), bytesOut: 0, body: null };
  log.push(entry);
  if (log.length > 1000) log.shift();
  // Server-Timing `app`: the stand-in's own time from the request's arrival to its response
  // headers (scripted delay included), so a client can tell it from the network's part.
  const t0 = performance.now();
  const writeHead = res.writeHead;
  res.writeHead = /** @type {any} */ (function (/** @type {any[]} */ ...args) {
    if (!res.headersSent) res.setHeader('server-timing', `app;dur=${(performance.now() - t0).toFixed(2)}`);
    return writeHead.apply(res, /** @type {any} */ (args));
  });
  const ctx = {
    req, res, entry, signal: ac.signal, cut: false,
    /** Writes one chunk; waits for drain; false once the client is gone. */
    async write(chunk) {
      if (ac.signal.aborted || res.destroyed) return false;
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      entry.bytesOut += buf.length;
      if (!res.write(buf)) {
        await new Promise((resolve) => {
          const done = () => { res.off('drain', done); ac.signal.removeEventListener('abort', done); resolve(undefined); };
          res.once('drain', done);
          ac.signal.addEventListener('abort', done, { once: true });
        });
      }
      return !ac.signal.aborted;
    },
    end(chunk) {
      if (chunk !== undefined) entry.bytesOut += Buffer.byteLength(chunk);
      res.end(chunk);
    },
    json(status, body, headers = {}) {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      ctx.end(JSON.stringify(body));
    },
    /** Drops the connection mid-response, like a crashed upstream; not a client abort. */
    destroy() { ctx.cut = true; res.destroy(); },
  };
  res.on('close', () => {
    entry.endedAt = Date.now();
    entry.status = res.headersSent ? res.statusCode : null; // null: gone before any response
    if (!res.writableFinished && !ctx.cut) entry.aborted = true;
    ac.abort(); // stops generation and pacing
  });
  return ctx;
}

export async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > MAX_BODY) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
export function parseJson(ctx, buf) {
  try { return JSON.parse(buf.toString('utf8')); } catch {
    ctx.json(400, openAiError("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)", 'invalid_request_error'));
    return undefined;
  }
}
export function startSse(ctx) {
  ctx.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  ctx.res.flushHeaders();
}
/**
 * Writes one SSE event (`event: <event>` first when given). Some writes are split on purpose — inside the first multibyte UTF-8
 * character when there is one, else mid-line — with a pause so they reach the client as
 * separate reads and exercise its streaming decoder. With `config.streamPauses` off (the
 * bench: its figures must not count the stand-in's own pauses) the same bytes go in the
 * same two writes, back to back.
 */
export async function writeEvent(ctx, n, payload, event) {
  const buf = Buffer.from(`${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`);
  const lead = buf.findIndex((b) => b >= 0xc0);
  const at = lead >= 0 ? lead + 1 : n % 3 === 1 ? Math.floor(buf.length * 0.37) : -1;
  if (at > 0) {
    if (!(await ctx.write(buf.subarray(0, at)))) return false;
    if (ctx.pauses !== false) await sleep(2, ctx.signal);
    return ctx.write(buf.subarray(at));
  }
  return ctx.write(buf);
}


/**
 * Parses multipart/form-data by hand: boundary from the content-type, parts split on
 * CRLF--boundary, headers up to the first blank line.
 * @returns {Map<string, { data: Buffer, filename?: string, type?: string }>}
 */
export function parseMultipart(buf, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!m) throw new Error('multipart boundary missing from content-type');
  const boundary = m[1] ?? m[2];
  const parts = new Map();
  let pos = buf.indexOf(`--${boundary}`);
  if (pos < 0) throw new Error('multipart body has no boundary');
  for (;;) {
    pos += boundary.length + 2;
    if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) return parts; // closing delimiter
    if (buf[pos] === 0x0d && buf[pos + 1] === 0x0a) pos += 2;
    const headEnd = buf.indexOf('\r\n\r\n', pos);
    const next = buf.indexOf(`\r\n--${boundary}`, headEnd + 4);
    if (headEnd < 0 || next < 0) throw new Error('multipart body is truncated');
    const head = buf.toString('utf8', pos, headEnd);
    const name = /;\s*name="([^"]*)"/i.exec(head)?.[1];
    const filename = /;\s*filename="([^"]*)"/i.exec(head)?.[1];
    const type = /^content-type:\s*(.+)$/im.exec(head)?.[1]?.trim();
    if (name !== undefined) parts.set(name, { data: buf.subarray(headEnd + 4, next), filename, type });
    pos = next + 2;
  }
}
