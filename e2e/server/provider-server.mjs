#!/usr/bin/env node
// A local look-alike of three OpenAI endpoints, speaking the same bytes on the wire
// (spec/protocols.md §1, §3, §10), so Earshot's real provider code runs against it in unit
// tests, in Playwright, and in the offline demo (mounted by Vite at /local-ai):
//   POST /v1/chat/completions      SSE chunks, or a scripted fault; else the demo brain
//   POST /v1/audio/speech          s16le 24 kHz PCM synthesized by espeak-ng, odd-sized chunks
//   POST /v1/audio/transcriptions  multipart WAV upload; honest "(1.4 s of speech)" by default
//   /__control/*                   script queues, config, request log (JSON)
// No dependencies beyond node: builtins. CLI: node e2e/server/provider-server.mjs --port 8787
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {{ kind: 'status', status: number, body?: object, headers?: Record<string, string | number>,
 *   code?: string }} StatusFault
 *   Respond with `status` and an OpenAI-shaped error body (`body` if given; `code:
 *   'insufficient_quota'` picks the exhausted-credit 429 body) plus `headers` (e.g. `retry-after`).
 * @typedef {{ name: string, arguments: object | string, id?: string }} ScriptToolCall
 * @typedef {object} LlmEntry One scripted chat completion.
 * @property {string} [text] Assistant text, streamed in word-ish deltas.
 * @property {ScriptToolCall[]} [toolCalls] Streamed after the text; arguments split at awkward offsets.
 * @property {number} [delayMs] Wait before the first byte (ms).
 * @property {number} [chunkDelayMs] Wait between events (ms).
 * @property {StatusFault | { kind: 'cut', afterChars: number }
 *   | { kind: 'midstream-error', afterChars: number, error?: object }} [fault]
 *   `cut`: destroy the socket after that many text chars (no finish chunk, no [DONE]).
 *   `midstream-error`: after that many chars send `data: {"error":{…}}` and end.
 * @typedef {object} TtsEntry One scripted speech request (the audio is still espeak-ng's).
 * @property {number} [delayMs]
 * @property {StatusFault | { kind: 'cut', afterBytes: number }} [fault]
 * @property {number} [bytesPerSecond] Pace of the body (48000 = real time for pcm).
 * @typedef {object} SttEntry One scripted transcription.
 * @property {string} [text] The transcript (default: the honest duration report).
 * @property {number} [delayMs]
 * @property {StatusFault | { kind: 'cut', afterChars?: number }} [fault]
 * @typedef {object} LogEntry
 * @property {string} id The `x-request-id` sent back.
 * @property {string} route e.g. `/v1/chat/completions`.
 * @property {string} method
 * @property {number} startedAt Epoch ms.
 * @property {number | null} endedAt
 * @property {number | null} status
 * @property {boolean} aborted The client disconnected before the response finished.
 * @property {string | null} authorization The Authorization header seen, secret masked.
 * @property {number} bytesOut Body bytes written.
 * @property {unknown} body Parsed JSON (chat, speech); `{model, language, durationSec, …}` for transcriptions.
 * @typedef {object} ProviderServerOptions
 * @property {string | null} [requireKey] Initial config: the only accepted Bearer key.
 * @property {number | null} [ttsBytesPerSecond] Initial config: default TTS pace (null = as fast as possible).
 * @property {number} [ttsChunkBytes] Size of each binary TTS write (default 4801, odd on purpose).
 * @property {string} [espeakCommand] Default `espeak-ng`.
 */

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, x-api-key, openai-beta',
  'access-control-expose-headers': 'x-request-id, retry-after, retry-after-ms, x-ratelimit-remaining-requests',
  'access-control-max-age': '600',
};
const ROUTES = new Set(['/v1/chat/completions', '/v1/audio/speech', '/v1/audio/transcriptions', '/v1/models']);
const MAX_BODY = 25 * 1024 * 1024; // OpenAI's upload limit
const TTS_RATE = 24000;
const ESPEAK_PITCH = { alloy: 50, ash: 35, ballad: 45, coral: 65, echo: 40, fable: 55, onyx: 25, nova: 70, sage: 60, shimmer: 75, verse: 45, marin: 62, cedar: 38 };

const rand = (n) => randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n);
const sleep = (ms, signal) => new Promise((resolve) => {
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

function openAiError(message, type, code = null, param = null) {
  return { error: { message, type, param, code } };
}
/** The body OpenAI sends for a status, as far as recorded (protocols.md §1 Errors). */
function defaultErrorBody(status, code) {
  if (status === 429 && code === 'insufficient_quota') {
    return openAiError('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota');
  }
  switch (status) {
    case 400: return openAiError('Invalid request (scripted fault).', 'invalid_request_error', code ?? null);
    case 401: return openAiError('Incorrect API key provided: sk-...XXXX. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key');
    case 403: return openAiError('You are not allowed to use this model (scripted fault).', 'invalid_request_error', code ?? 'permission_denied');
    case 404: return openAiError('The model does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found');
    case 429: return openAiError('Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.', 'requests', code ?? 'rate_limit_exceeded');
    case 503: return openAiError('The engine is currently overloaded, please try again later.', 'server_error', code ?? null);
    default: return status >= 500
      ? openAiError('The server had an error while processing your request. Sorry about that!', 'server_error', code ?? null)
      : openAiError(`Request failed with status ${status} (scripted fault).`, 'invalid_request_error', code ?? null);
  }
}

/**
 * Parses a RIFF/WAVE header: walks the chunks (honouring pad bytes); a data size that runs past
 * the end (espeak-ng's and sox's streamed output say 0x7ffff000) means "to the end of the file".
 */
export function parseWav(buf) {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt = null;
  for (let off = 12; off + 8 <= buf.length;) {
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= buf.length) {
      fmt = { formatTag: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), blockAlign: buf.readUInt16LE(body + 12), bitsPerSample: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data chunk before fmt chunk');
      const end = Math.min(buf.length, body + size);
      const blockAlign = fmt.blockAlign || (fmt.channels * fmt.bitsPerSample) / 8;
      if (!fmt.sampleRate || !blockAlign) throw new Error('WAV fmt chunk is invalid');
      const frames = Math.floor((end - body) / blockAlign);
      return { ...fmt, blockAlign, frames, durationSec: frames / fmt.sampleRate, data: buf.subarray(body, body + frames * blockAlign) };
    }
    off = body + size + (size & 1);
  }
  throw new Error('WAV file has no fmt or data chunk');
}

/** Linear-interpolation resampler for mono s16le; plenty for espeak's band-limited speech. */
function resampleS16(data, from, to) {
  const n = data.length >> 1;
  if (from === to) return Buffer.from(data);
  const outLen = Math.floor((n * to) / from);
  const out = Buffer.alloc(outLen * 2);
  for (let i = 0; i < outLen; i++) {
    const p = (i * from) / to;
    const k = Math.floor(p);
    const a = data.readInt16LE(k * 2);
    const b = k + 1 < n ? data.readInt16LE((k + 1) * 2) : a;
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(a + (b - a) * (p - k)))), i * 2);
  }
  return out;
}

/** Splits text into word-ish deltas (leading space kept, long words cut at 6 chars), like tokens. */
function textPieces(text) {
  const pieces = text.match(/\s*\S{1,6}|\s+$/gu) ?? [];
  return pieces.join('') === text ? pieces : [text];
}
/** Argument JSON cut at deliberately awkward offsets (inside keys, escapes, numbers). */
function argPieces(args) {
  const sizes = [4, 7, 3, 9, 2, 5];
  const out = [];
  for (let i = 0, k = 0; i < args.length; k++) { out.push(args.slice(i, i + sizes[k % sizes.length])); i += sizes[k % sizes.length]; }
  return out;
}
function messageText(m) {
  if (typeof m?.content === 'string') return m.content;
  if (Array.isArray(m?.content)) return m.content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

/**
 * THE DEMO BRAIN — NOT AN AI. A handful of fixed rules so the offline demo can hold a
 * (very) small conversation and exercise one tool round trip. Plug in a real LLM for anything else.
 * @returns {{ text: string, toolCalls: ScriptToolCall[] }}
 */
export function demoBrain(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const last = messages.at(-1);
  if (last?.role === 'tool') {
    const call = messages.flatMap((m) => (Array.isArray(m?.tool_calls) ? m.tool_calls : [])).find((c) => c?.id === last.tool_call_id);
    if (call?.function?.name === 'get_time') {
      let time;
      try { const r = JSON.parse(messageText(last)); time = typeof r?.time === 'string' ? r.time : undefined; } catch { /* not JSON */ }
      const hhmm = time ? (/\d{1,2}:\d{2}/.exec(time)?.[0] ?? time) : new Date().toTimeString().slice(0, 5);
      return { text: `It is ${hhmm} right now.`, toolCalls: [] };
    }
  }
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
  const said = lastUser ? messageText(lastUser).trim() : '';
  const hasGetTime = Array.isArray(body?.tools) && body.tools.some((t) => t?.function?.name === 'get_time');
  if (last?.role === 'user' && /\btime\b/i.test(said) && hasGetTime) return { text: '', toolCalls: [{ name: 'get_time', arguments: {} }] };
  if (!lastUser || /^\W*(hello|hi|hey)\b/i.test(said)) {
    return { text: "Hello! I'm the offline demo brain of Earshot. Ask me what time it is.", toolCalls: [] };
  }
  return { text: `I heard: "${said}". I'm only a rule-based demo brain; plug in a real LLM in the settings.`, toolCalls: [] };
}

/**
 * Parses multipart/form-data by hand: boundary from the content-type, parts split on
 * CRLF--boundary, headers up to the first blank line.
 * @returns {Map<string, { data: Buffer, filename?: string, type?: string }>}
 */
function parseMultipart(buf, contentType) {
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

/**
 * Creates the request handler. Mount it anywhere (routes are relative to the mount point);
 * unknown paths go to `next` when given (Vite/connect), else 404.
 * @param {ProviderServerOptions} [options]
 */
export function createProviderHandler(options = {}) {
  const fresh = () => ({
    llm: /** @type {LlmEntry[]} */ ([]), tts: /** @type {TtsEntry[]} */ ([]), stt: /** @type {SttEntry[]} */ ([]),
    log: /** @type {LogEntry[]} */ ([]),
    config: { requireKey: options.requireKey ?? null, ttsBytesPerSecond: options.ttsBytesPerSecond ?? null },
  });
  let state = fresh();
  const ttsCache = new Map(); // `${voice}|${speed}|${text}` -> Promise<Buffer>; survives resets
  const espeak = options.espeakCommand ?? 'espeak-ng';
  const chunkBytes = options.ttsChunkBytes ?? 4801;

  function espeakPcm(text, voice, speed) {
    const key = `${voice}|${speed}|${text}`;
    let p = ttsCache.get(key);
    if (!p) {
      p = new Promise((resolve, reject) => {
        const rate = String(Math.round(Math.min(450, Math.max(80, 165 * speed))));
        const pitch = String(ESPEAK_PITCH[voice] ?? 50);
        // Text goes through stdin so a leading "-" can never be taken for an option.
        const child = spawn(espeak, ['--stdout', '-v', 'en-us', '-s', rate, '-p', pitch, '--stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
        const out = [];
        let err = '';
        child.stdout.on('data', (d) => out.push(d));
        child.stderr.on('data', (d) => { err += d; });
        child.on('error', (e) => reject(/** @type {any} */ (e).code === 'ENOENT' ? new Error(`${espeak} is not installed on the local provider server (apt-get install espeak-ng)`) : e));
        child.on('close', (code) => {
          if (code !== 0) return reject(new Error(`${espeak} exited with ${code}: ${err.trim()}`));
          try {
            const wav = parseWav(Buffer.concat(out));
            resolve(resampleS16(wav.data, wav.sampleRate, TTS_RATE));
          } catch (e) { reject(e); }
        });
        child.stdin.on('error', () => { /* reported through 'error'/'close' */ });
        child.stdin.end(text.replace(/\s+/g, ' '));
      });
      p.catch(() => ttsCache.delete(key));
      ttsCache.set(key, p);
      if (ttsCache.size > 200) ttsCache.delete(ttsCache.keys().next().value);
    }
    return p;
  }

  /** Per-request context: the log entry, a signal that fires on disconnect, counted writes. */
  function begin(req, res, route) {
    const ac = new AbortController();
    /** @type {LogEntry} */
    const entry = { id: String(res.getHeader('x-request-id')), route, method: req.method ?? 'GET', startedAt: Date.now(), endedAt: null, status: null, aborted: false, authorization: maskAuthorization(req.headers.authorization), bytesOut: 0, body: null };
    state.log.push(entry);
    if (state.log.length > 1000) state.log.shift();
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

  async function readBody(req) {
    const chunks = [];
    let size = 0;
    for await (const c of req) {
      size += c.length;
      if (size > MAX_BODY) throw Object.assign(new Error('request body too large'), { status: 413 });
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }
  function parseJson(ctx, buf) {
    try { return JSON.parse(buf.toString('utf8')); } catch {
      ctx.json(400, openAiError("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)", 'invalid_request_error'));
      return undefined;
    }
  }
  function authorized(ctx) {
    const key = state.config.requireKey;
    if (!key) return true;
    const got = /^Bearer\s+(.+)$/i.exec(ctx.req.headers.authorization ?? '')?.[1]?.trim();
    if (got === key) return true;
    ctx.json(401, got
      ? openAiError(`Incorrect API key provided: ${maskSecret(got)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key')
      : openAiError("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error', 'invalid_api_key'));
    return false;
  }
  function sendStatusFault(ctx, fault) {
    const headers = { ...(fault.status === 429 && fault.code !== 'insufficient_quota' ? { 'x-ratelimit-remaining-requests': '0' } : {}) };
    for (const [k, v] of Object.entries(fault.headers ?? {})) headers[k.toLowerCase()] = String(v);
    ctx.json(fault.status, fault.body ?? defaultErrorBody(fault.status, fault.code), headers);
  }
  function startSse(ctx) {
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    ctx.res.flushHeaders();
  }
  /**
   * Writes one SSE event. Some writes are split on purpose — inside the first multibyte UTF-8
   * character when there is one, else mid-line — with a pause so they reach the client as
   * separate reads and exercise its streaming decoder.
   */
  async function writeEvent(ctx, n, payload) {
    const buf = Buffer.from(`data: ${payload}\n\n`);
    const lead = buf.findIndex((b) => b >= 0xc0);
    const at = lead >= 0 ? lead + 1 : n % 3 === 1 ? Math.floor(buf.length * 0.37) : -1;
    if (at > 0) {
      if (!(await ctx.write(buf.subarray(0, at)))) return false;
      await sleep(2, ctx.signal);
      return ctx.write(buf.subarray(at));
    }
    return ctx.write(buf);
  }

  async function chatCompletions(ctx) {
    const body = parseJson(ctx, await readBody(ctx.req));
    if (body === undefined) return;
    ctx.entry.body = body;
    if (!authorized(ctx)) return;
    if (typeof body?.model !== 'string' || !body.model) return ctx.json(400, openAiError('you must provide a model parameter', 'invalid_request_error', null, 'model'));
    if (!Array.isArray(body.messages)) return ctx.json(400, openAiError("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages'));
    const script = state.llm.shift();
    if (script?.delayMs) await sleep(script.delayMs, ctx.signal);
    if (ctx.signal.aborted) return;
    const fault = script?.fault;
    if (fault?.kind === 'status') return sendStatusFault(ctx, fault);
    const reply = script ? { text: script.text ?? '', toolCalls: script.toolCalls ?? [] } : demoBrain(body);
    const calls = reply.toolCalls.map((c) => ({ id: c.id ?? `call_${rand(24)}`, name: c.name, args: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}) }));
    const id = `chatcmpl-${rand(24)}`;
    const created = Math.floor(Date.now() / 1000);
    const finishReason = calls.length ? 'tool_calls' : 'stop';
    const pieces = textPieces(reply.text);
    const usage = { prompt_tokens: Math.ceil(JSON.stringify(body.messages).length / 4), completion_tokens: pieces.length + calls.reduce((s, c) => s + argPieces(c.args).length, 0) };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const base = { id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_earshot' };

    if (body.stream !== true) {
      if (fault?.kind === 'cut') return ctx.destroy();
      if (fault?.kind === 'midstream-error') return ctx.json(500, { error: fault.error ?? defaultErrorBody(500).error });
      const tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } }));
      return ctx.json(200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: reply.text || (calls.length ? null : ''), refusal: null, ...(calls.length ? { tool_calls } : {}), annotations: [] }, logprobs: null, finish_reason: finishReason }], usage });
    }

    const chunk = (delta, finish = null) => JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    /** @type {{ payload: string, text?: string }[]} */
    const events = [];
    const first = calls[0];
    if (!pieces.length && first) {
      events.push({ payload: chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: first.id, type: 'function', function: { name: first.name, arguments: '' } }], refusal: null }) });
    } else events.push({ payload: chunk({ role: 'assistant', content: '', refusal: null }) });
    for (const p of pieces) events.push({ payload: chunk({ content: p }), text: p });
    calls.forEach((c, index) => {
      if (index > 0 || pieces.length) events.push({ payload: chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }) });
      for (const a of argPieces(c.args)) events.push({ payload: chunk({ tool_calls: [{ index, function: { arguments: a } }] }) });
    });
    const tail = [chunk({}, finishReason)];
    if (body.stream_options?.include_usage) tail.push(JSON.stringify({ ...base, choices: [], usage }));
    tail.push('[DONE]');

    startSse(ctx);
    const limit = fault && fault.kind !== 'status' ? Math.max(0, fault.afterChars ?? 0) : Infinity;
    let chars = 0;
    let n = 0;
    const gap = () => sleep(script?.chunkDelayMs ?? 0, ctx.signal);
    for (const ev of events) {
      if (ev.text !== undefined && chars + [...ev.text].length > limit) {
        const partial = [...ev.text].slice(0, limit - chars).join('');
        if (partial && !(await writeEvent(ctx, n++, chunk({ content: partial })))) return;
        break;
      }
      if (ev.text !== undefined) chars += [...ev.text].length;
      if (!(await writeEvent(ctx, n++, ev.payload))) return;
      await gap();
    }
    // A fault whose afterChars exceeds the text still fires, after the last delta/fragment.
    if (fault && fault.kind !== 'status') {
      await sleep(5, ctx.signal); // let the partial text reach the client before the failure
      if (fault.kind === 'cut') return ctx.destroy();
      await writeEvent(ctx, n++, JSON.stringify({ error: fault.error ?? defaultErrorBody(500).error }));
      return ctx.end();
    }
    for (const payload of tail) {
      if (!(await writeEvent(ctx, n++, payload))) return;
      await gap();
    }
    ctx.end();
  }

  async function speech(ctx) {
    const body = parseJson(ctx, await readBody(ctx.req));
    if (body === undefined) return;
    ctx.entry.body = body;
    if (!authorized(ctx)) return;
    const input = body?.input;
    if (typeof input !== 'string' || !input.trim()) return ctx.json(400, openAiError("Invalid 'input': string too short. Expected a string with minimum length 1.", 'invalid_request_error', 'string_below_min_length', 'input'));
    if (input.length > 4096) return ctx.json(400, openAiError("Invalid 'input': string too long. Expected a string with maximum length 4096.", 'invalid_request_error', 'string_above_max_length', 'input'));
    const format = body.response_format ?? 'mp3';
    if (format !== 'pcm' && format !== 'wav') return ctx.json(400, openAiError(`response_format '${format}' is not supported by the local provider server; use 'pcm' or 'wav'.`, 'invalid_request_error', 'unsupported_value', 'response_format'));
    const script = state.tts.shift();
    if (script?.delayMs) await sleep(script.delayMs, ctx.signal);
    if (ctx.signal.aborted) return;
    if (script?.fault?.kind === 'status') return sendStatusFault(ctx, script.fault);
    const voice = typeof body.voice === 'string' ? body.voice : 'alloy';
    const speed = typeof body.speed === 'number' && body.speed >= 0.25 && body.speed <= 4 ? body.speed : 1;
    let pcm;
    try { pcm = await espeakPcm(input, voice, speed); } catch (e) {
      return ctx.json(500, openAiError(`Speech synthesis failed: ${/** @type {Error} */ (e).message}`, 'server_error', 'tts_unavailable'));
    }
    if (ctx.signal.aborted) return;
    let audio = pcm;
    if (format === 'wav') {
      const h = Buffer.alloc(44);
      h.write('RIFF', 0, 'latin1'); h.writeUInt32LE(36 + pcm.length, 4); h.write('WAVEfmt ', 8, 'latin1');
      h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(TTS_RATE, 24);
      h.writeUInt32LE(TTS_RATE * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36, 'latin1'); h.writeUInt32LE(pcm.length, 40);
      audio = Buffer.concat([h, pcm]);
    }
    const bps = script?.bytesPerSecond ?? state.config.ttsBytesPerSecond;
    const cutAt = script?.fault?.kind === 'cut' ? script.fault.afterBytes : Infinity;
    const sse = body.stream_format === 'sse';
    const step = sse ? 4800 : chunkBytes; // SSE payloads stay whole samples, as OpenAI's do
    if (sse) startSse(ctx);
    else {
      ctx.res.writeHead(200, { 'content-type': format === 'wav' ? 'audio/wav' : 'application/octet-stream' });
      ctx.res.flushHeaders();
    }
    const t0 = Date.now();
    for (let off = 0; off < audio.length; off += step) {
      const part = audio.subarray(off, Math.min(audio.length, off + step, cutAt));
      if (part.length && !(await ctx.write(sse ? `data: ${JSON.stringify({ type: 'speech.audio.delta', audio: part.toString('base64') })}\n\n` : part))) return;
      if (off + step >= cutAt) {
        await sleep(5, ctx.signal);
        return ctx.destroy();
      }
      // Pace against the start time so timer jitter does not accumulate.
      await sleep(bps ? t0 + ((off + part.length) / bps) * 1000 - Date.now() : 0, ctx.signal);
      if (ctx.signal.aborted) return;
    }
    if (sse) {
      const input_tokens = Math.ceil(input.length / 4);
      const output_tokens = Math.ceil(pcm.length / 960); // ~50 audio tokens per second
      await ctx.write(`data: ${JSON.stringify({ type: 'speech.audio.done', usage: { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens } })}\n\n`);
    }
    ctx.end();
  }

  async function transcriptions(ctx) {
    const buf = await readBody(ctx.req);
    let parts;
    try { parts = parseMultipart(buf, ctx.req.headers['content-type']); } catch (e) {
      return ctx.json(400, openAiError(`Could not parse multipart form: ${/** @type {Error} */ (e).message}`, 'invalid_request_error'));
    }
    const field = (name) => parts.get(name)?.data.toString('utf8');
    const file = parts.get('file');
    const model = field('model');
    const language = field('language') ?? null;
    const responseFormat = field('response_format') ?? 'json';
    const stream = field('stream') === 'true' && model !== 'whisper-1'; // whisper-1 ignores stream
    let wav = null;
    try { if (file) wav = parseWav(file.data); } catch { /* reported below */ }
    const durationSec = wav ? Math.round(wav.durationSec * 1000) / 1000 : null;
    ctx.entry.body = { model, language, prompt: field('prompt') ?? null, responseFormat, stream, durationSec, fileName: file?.filename ?? null, fileType: file?.type ?? null, fileBytes: file?.data.length ?? 0 };
    if (!authorized(ctx)) return;
    if (!model) return ctx.json(400, openAiError('you must provide a model parameter', 'invalid_request_error', null, 'model'));
    if (!file) return ctx.json(400, openAiError("Missing required parameter: 'file'.", 'invalid_request_error', 'missing_required_parameter', 'file'));
    if (!wav) return ctx.json(400, openAiError("Invalid file format. The local provider server only decodes WAV (RIFF, PCM).", 'invalid_request_error', 'invalid_value', 'file'));
    const script = state.stt.shift();
    if (script?.delayMs) await sleep(script.delayMs, ctx.signal);
    if (ctx.signal.aborted) return;
    if (script?.fault?.kind === 'status') return sendStatusFault(ctx, script.fault);
    // No speech recognizer ships offline, so the default answer says honestly what it got.
    const text = script?.text ?? `(${wav.durationSec.toFixed(1)} s of speech)`;
    const seconds = Math.ceil(wav.durationSec);
    const cutAt = script?.fault?.kind === 'cut' ? Math.max(0, script.fault.afterChars ?? 0) : Infinity;
    if (!stream) {
      if (cutAt !== Infinity) return ctx.destroy();
      if (responseFormat === 'text') {
        ctx.res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return ctx.end(`${text}\n`);
      }
      if (responseFormat === 'verbose_json') return ctx.json(200, { task: 'transcribe', language: language ?? 'english', duration: wav.durationSec, text, segments: [], usage: { type: 'duration', seconds } });
      return ctx.json(200, { text, usage: { type: 'duration', seconds } });
    }
    startSse(ctx);
    let sent = 0;
    let n = 0;
    for (const delta of textPieces(text)) {
      if (sent + delta.length > cutAt) {
        await sleep(5, ctx.signal);
        return ctx.destroy();
      }
      sent += delta.length;
      if (!(await writeEvent(ctx, n++, JSON.stringify({ type: 'transcript.text.delta', delta })))) return;
    }
    if (cutAt !== Infinity) return ctx.destroy();
    const audioTokens = Math.ceil(wav.durationSec * 10);
    const outTokens = textPieces(text).length;
    await writeEvent(ctx, n++, JSON.stringify({ type: 'transcript.text.done', text, usage: { type: 'tokens', input_tokens: audioTokens, input_token_details: { text_tokens: 0, audio_tokens: audioTokens }, output_tokens: outTokens, total_tokens: audioTokens + outTokens } }));
    ctx.end();
  }

  /** Programmatic twin of the control API (the HTTP routes call these). */
  const control = {
    /** @param {{ llm?: LlmEntry[], tts?: TtsEntry[], stt?: SttEntry[], append?: boolean }} s */
    script(s) {
      for (const k of /** @type {const} */ (['llm', 'tts', 'stt'])) {
        if (s[k] !== undefined && !Array.isArray(s[k])) throw new Error(`${k} must be an array`);
        if (s[k]) state[k] = s.append ? [...state[k], ...s[k]] : [...s[k]];
      }
      return { llm: state.llm.length, tts: state.tts.length, stt: state.stt.length };
    },
    /** @param {{ requireKey?: string | null, ttsBytesPerSecond?: number | null }} c */
    configure(c) {
      if (c.requireKey !== undefined) state.config.requireKey = c.requireKey || null;
      if (c.ttsBytesPerSecond !== undefined) state.config.ttsBytesPerSecond = c.ttsBytesPerSecond || null;
      return { requireKey: state.config.requireKey ? maskSecret(state.config.requireKey) : null, ttsBytesPerSecond: state.config.ttsBytesPerSecond };
    },
    reset() { state = fresh(); },
    log() { return { requests: state.log }; },
  };

  async function controlRoute(req, res, path) {
    const send = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    const bodyOf = async () => { const b = await readBody(req); return b.length ? JSON.parse(b.toString('utf8')) : {}; };
    try {
      if (path === '/__control/health' && req.method === 'GET') return send(200, { ok: true, queues: control.script({}) });
      if (path === '/__control/log' && req.method === 'GET') return send(200, control.log());
      if (req.method !== 'POST') return send(405, openAiError(`${req.method} ${path} is not supported`, 'invalid_request_error'));
      if (path === '/__control/script') return send(200, { ok: true, queues: control.script(await bodyOf()) });
      if (path === '/__control/config') return send(200, { ok: true, config: control.configure(await bodyOf()) });
      if (path === '/__control/reset') { await readBody(req); control.reset(); return send(200, { ok: true }); }
      return send(404, openAiError(`Unknown control route ${path}`, 'invalid_request_error'));
    } catch (e) {
      return send(400, openAiError(`Bad control request: ${/** @type {Error} */ (e).message}`, 'invalid_request_error'));
    }
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {(err?: unknown) => void} [next]
   */
  function handler(req, res, next) {
    const path = new URL(req.url ?? '/', 'http://local').pathname.replace(/\/+$/, '') || '/';
    const ours = ROUTES.has(path) || path.startsWith('/v1/') || path.startsWith('/__control/');
    if (!ours && next) return next();
    for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
    res.setHeader('x-request-id', `req_${randomBytes(16).toString('hex')}`);
    if (req.method === 'OPTIONS') { res.writeHead(204); res.end(); return; }
    if (path.startsWith('/__control/')) { void controlRoute(req, res, path); return; }
    const ctx = begin(req, res, path);
    /** @type {Promise<unknown> | undefined} */
    let work;
    if (path === '/v1/models' && req.method === 'GET') work = Promise.resolve(ctx.json(200, { object: 'list', data: [{ id: 'earshot-demo', object: 'model', created: 0, owned_by: 'earshot' }] }));
    else if (!ROUTES.has(path)) work = Promise.resolve(ctx.json(404, openAiError(`Invalid URL (${req.method} ${path})`, 'invalid_request_error')));
    else if (req.method !== 'POST') work = Promise.resolve(ctx.json(405, openAiError(`Invalid method for URL (${req.method} ${path})`, 'invalid_request_error')));
    else if (path === '/v1/chat/completions') work = chatCompletions(ctx);
    else if (path === '/v1/audio/speech') work = speech(ctx);
    else work = transcriptions(ctx);
    work.catch((e) => {
      if (res.headersSent) return ctx.destroy();
      ctx.json(e?.status ?? 500, openAiError(`Local provider server error: ${e?.message ?? e}`, 'server_error'));
    });
  }
  return Object.assign(handler, control);
}

/**
 * Starts a standalone server (tests start one per file on port 0).
 * @param {{ port?: number, host?: string } & ProviderServerOptions} [options]
 */
export async function startProviderServer({ port = 0, host = '127.0.0.1', ...options } = {}) {
  const handler = createProviderHandler(options);
  const server = createServer((req, res) => handler(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    port: actual,
    handler,
    close: () => new Promise((resolve) => {
      server.closeAllConnections(); // keep-alive sockets would hold close() open
      server.close(() => resolve(undefined));
    }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
  const s = await startProviderServer({
    port: Number(arg('port') ?? 8787),
    host: arg('host') ?? '127.0.0.1',
    requireKey: arg('require-key') ?? null,
    ttsBytesPerSecond: arg('tts-bps') ? Number(arg('tts-bps')) : null,
  });
  console.log(`provider server: ${s.url}/v1 (control: ${s.url}/__control/health)`);
  process.on('SIGINT', () => void s.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => void s.close().then(() => process.exit(0)));
}
