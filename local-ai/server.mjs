#!/usr/bin/env node
// A local look-alike of OpenAI, Anthropic and Deepgram endpoints, speaking the same bytes on the wire
// (spec/protocols.md §1, §3, §10), so Earshot's real provider code runs against it in unit
// tests, in Playwright, and in the offline demo (`npm run dev` mounts it at /local-ai):
//   POST /v1/chat/completions      SSE chunks, or a scripted fault; else the demo brain
//   POST /v1/messages              Anthropic Messages SSE from the same script queue (routes/messages.mjs)
//   POST /v1/audio/speech          s16le 24 kHz PCM synthesized by espeak-ng, odd-sized chunks
//   POST /v1/audio/transcriptions  multipart WAV upload; honest "(1.4 s of speech)" by default
//   GET  /v1/listen, /v2/listen    Deepgram live STT (Nova) and Flux over WebSocket (ws.mjs)
//   POST /v1/text-to-speech/{voice}/stream   ElevenLabs HTTP TTS, raw PCM (routes/elevenlabs.mjs)
//   GET  /v1/text-to-speech/{voice}/multi-stream-input, /tts/websocket   ElevenLabs and
//                                  Cartesia TTS over WebSocket (tts-ws.mjs)
//   POST /v1/realtime/client_secrets, GET /v1/realtime   OpenAI Realtime (GA) over WebSocket;
//                                  POST /token mints an ek_ for a page (realtime.mjs)
//   POST /v1/realtime/calls        the same over WebRTC (SDP offer/answer, werift; realtime-rtc.mjs)
//   POST /v1/traces                an OTLP/HTTP JSON trace receiver, strict about the shapes (otlp.mjs)
//   GET|POST|DELETE /mcp           an MCP server (the SDK's own, streamable HTTP) with demo tools (mcp.mjs)
//   /__control/*                   script queues, config, request log (JSON)
// Modules: routes/ (one per endpoint), faults.mjs, http.mjs, espeak.mjs, brain.mjs, control.mjs,
// ws.mjs + listen-audio.mjs (the WebSocket endpoints). Dependencies: node: builtins and `ws`
// (the WebSocket endpoints). CLI: node local-ai/server.mjs --port 8787
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createControl } from './control.mjs';
import { createEspeak } from './espeak.mjs';
import { openAiError } from './faults.mjs';
import { CORS_HEADERS, begin, maskSecret } from './http.mjs';
import { chatCompletions } from './routes/chat.mjs';
import { messages } from './routes/messages.mjs';
import { speech } from './routes/speech.mjs';
import { transcriptions } from './routes/transcriptions.mjs';
import { elevenLabsStream } from './routes/elevenlabs.mjs';
import { createTtsUpgradeHandler } from './tts-ws.mjs';
import { createUpgradeHandler } from './ws.mjs';
import { createRealtimeUpgradeHandler, mintSecret } from './realtime.mjs';
import { createRealtimeCalls } from './realtime-rtc.mjs';
import { createMcpHandler } from './mcp.mjs';
import { createOtlpReceiver } from './otlp.mjs';

export { maskSecret } from './http.mjs';
export { demoBrain } from './brain.mjs';
export { parseWav } from '../scripts/wav.mjs';
export { toneWords, TONE_BASE_HZ, TONE_STEP_HZ } from './listen-audio.mjs';

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
 * @property {string} [thinking] /v1/messages only: a thinking block (with its signature) before the text.
 * @property {boolean} [extraEvents] /v1/messages only: an unknown event type and an unknown content block type too.
 * @property {boolean} [maxTokensInTool] /v1/messages only: max_tokens inside the last tool's input (no content_block_stop).
 * @property {StatusFault | { kind: 'cut', afterChars: number } | { kind: 'stall', afterChars: number }
 *   | { kind: 'midstream-error', afterChars: number, error?: object } | { kind: 'hang' }} [fault]
 *   `cut`: destroy the socket after that many text chars (no finish chunk, no [DONE]).
 *   `stall`: after that many chars send nothing more, holding the connection open.
 *   `midstream-error`: after that many chars send `data: {"error":{…}}` and end (/v1/messages:
 *   `event: error` with `{type:"error", error}`, `error` being `{type, message}`, default overloaded_error).
 *   `hang`: never answer (no status line), holding the connection open.
 * @typedef {object} TtsEntry One scripted speech request (the audio is still espeak-ng's).
 * @property {number} [delayMs]
 * @property {StatusFault | { kind: 'cut', afterBytes: number } | { kind: 'stall', afterBytes: number } | { kind: 'hang' }
 *   | { kind: 'mp3', contentType?: string } | { kind: 'noise', contentType?: string }} [fault]
 *   `stall`: after that many bytes send nothing more, connection open. `mp3`: a 200 whose
 *   body is MP3 (ID3 tag + MPEG frames) sent as `audio/mpeg` (or `contentType`); `noise`:
 *   random bytes as `application/octet-stream` (or `contentType`), like a compressed body.
 * @property {number} [bytesPerSecond] Pace of the body (48000 = real time for pcm).
 * @typedef {object} SttEntry One scripted transcription.
 * @property {string} [text] The transcript (default: the honest duration report).
 * @property {number} [delayMs]
 * @property {StatusFault | { kind: 'cut', afterChars?: number } | { kind: 'hang' }} [fault]
 * @typedef {object} ListenEntry One scripted `/v1/listen` or `/v2/listen` connection (see server.d.mts).
 * @property {string | null} [text] The transcript; absent: each burst is reported as "(0.8 s of speech)".
 * @property {'pitch' | 'sequential'} [wordCode] How audio picks words (listen-audio.mjs); default sequential.
 * @property {number} [wordMs] Sequential: voiced ms per word (default 300).
 * @property {number} [finalEveryWords] v1: an is_final (not speech_final) after this many words of a segment.
 * @property {number} [connectDelayMs] Wait before accepting the upgrade.
 * @property {number} [resultDelayMs] Wait before each message sent (order kept).
 * @property {{ kind: 'auth' } | StatusFault | { kind: 'hang' } | { kind: 'close', afterWords: number, code?: number, reason?: string }
 *   | { kind: 'malformed', afterWords: number, frame?: string } | { kind: 'stall', afterWords: number }} [fault]
 * @typedef {object} TtsSocketEntry One scripted TTS socket connection (ElevenLabs or Cartesia; see server.d.mts).
 * @property {number} [firstAudioDelayMs] Wait before each context's first audio frame.
 * @property {number} [chunkDelayMs] Wait between audio frames.
 * @property {number} [chunkMs] Audio per frame (default 100 ms).
 * @property {{ kind: 'auth' } | StatusFault | { kind: 'hang' } | { kind: 'close', afterChunks: number, code?: number, reason?: string }
 *   | { kind: 'malformed', afterChunks: number, frame?: string }} [fault]
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
 * @property {number} [listenIdleMs] Initial config: a listen socket with neither audio nor KeepAlive for this long is closed 1011 NET-0001 (default 10000).
 */

const ROUTES = new Set(['/v1/realtime/calls', '/v1/realtime/client_secrets', '/token', '/v1/chat/completions', '/v1/messages', '/v1/audio/speech', '/v1/audio/transcriptions', '/v1/models']);

/**
 * Creates the request handler. Mount it anywhere (routes are relative to the mount point);
 * unknown paths go to `next` when given (Vite/connect), else 404.
 * @param {ProviderServerOptions} [options]
 */
export function createProviderHandler(options = {}) {
  const fresh = () => ({
    llm: /** @type {LlmEntry[]} */ ([]), tts: /** @type {TtsEntry[]} */ ([]), stt: /** @type {SttEntry[]} */ ([]),
    listen: /** @type {ListenEntry[]} */ ([]),
    ttsSocket: /** @type {TtsSocketEntry[]} */ ([]),
    realtime: /** @type {object[]} */ ([]),
    secrets: new Map(),
    usedTokens: new Set(),
    log: /** @type {LogEntry[]} */ ([]),
    config: { requireKey: options.requireKey ?? null, ttsBytesPerSecond: options.ttsBytesPerSecond ?? null, ttsLevelDb: /** @type {number | null} */ (null), ttsUnderlayDb: /** @type {number | null} */ (null), listenIdleMs: options.listenIdleMs ?? 10_000, streamPauses: true },
  });
  let state = fresh();
  const mcp = createMcpHandler();
  const otlp = createOtlpReceiver();
  const env = {
    state: () => state,
    reset: () => { state = fresh(); void mcp.reset(); otlp.reset(); },
    espeak: createEspeak(options.espeakCommand),
    chunkBytes: options.ttsChunkBytes ?? 4801,
    authorized,
  };
  const { control, controlRoute } = createControl(env);
  const rtc = createRealtimeCalls(env);

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

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {(err?: unknown) => void} [next]
   */
  function handler(req, res, next) {
    const path = new URL(req.url ?? '/', 'http://local').pathname.replace(/\/+$/, '') || '/';
    if (path === '/mcp') { void mcp.handle(req, res); return; }
    const ours = ROUTES.has(path) || path === '/token' || path.startsWith('/v1/') || path.startsWith('/__control/');
    if (!ours && next) return next();
    // Anthropic answers CORS only to requests that opt in (protocols.md §0.3, §10.3).
    const optIn = path !== '/v1/messages' || /anthropic-dangerous-direct-browser-access/i.test(String(req.headers['access-control-request-headers'] ?? ''))
      || req.headers['anthropic-dangerous-direct-browser-access'] === 'true';
    if (optIn) for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
    res.setHeader('x-request-id', `req_${randomBytes(16).toString('hex')}`);
    if (req.method === 'OPTIONS') { res.writeHead(204); res.end(); return; }
    if (path === '/v1/traces') { void otlp.handle(req, res); return; }
    if (path === '/__control/traces') { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(otlp.spans, (_k, v) => (typeof v === 'bigint' ? String(v) : v))); return; }
    if (path.startsWith('/__control/')) { void controlRoute(req, res, path); return; }
    const elevenHttp = /^\/v1\/text-to-speech\/([^/]+)\/stream$/.exec(path);
    const ctx = begin(req, res, elevenHttp ? '/v1/text-to-speech/stream' : path, state.log);
    ctx.pauses = state.config.streamPauses;
    /** @type {Promise<unknown> | undefined} */
    let work;
    if (path === '/v1/models' && req.method === 'GET') work = Promise.resolve(ctx.json(200, { object: 'list', data: [{ id: 'earshot-demo', object: 'model', created: 0, owned_by: 'earshot' }] }));
    else if (!ROUTES.has(path) && !elevenHttp) work = Promise.resolve(ctx.json(404, openAiError(`Invalid URL (${req.method} ${path})`, 'invalid_request_error')));
    else if (req.method !== 'POST') work = Promise.resolve(ctx.json(405, openAiError(`Invalid method for URL (${req.method} ${path})`, 'invalid_request_error')));
    else if (path === '/v1/realtime/calls') work = rtc.calls(ctx);
    else if (path === '/v1/realtime/client_secrets') work = readJson(req).then((b) => authorized(ctx) && ctx.json(200, mintSecret(state, b)));
    // The example app endpoint: the app server holds the key, the page gets an ek_ only.
    else if (path === '/token') work = readJson(req).then((b) => ctx.json(200, mintSecret(state, { session: { type: 'realtime', model: b?.model ?? 'gpt-realtime' } })));
    else if (path === '/v1/chat/completions') work = chatCompletions(ctx, env);
    else if (path === '/v1/messages') work = messages(ctx, env);
    else if (path === '/v1/audio/speech') work = speech(ctx, env);
    else if (elevenHttp) work = elevenLabsStream(ctx, env, decodeURIComponent(elevenHttp[1]), new URL(req.url ?? '/', 'http://local').searchParams);
    else work = transcriptions(ctx, env);
    work.catch((e) => {
      if (res.headersSent) return ctx.destroy();
      ctx.json(e?.status ?? 500, openAiError(`Local provider server error: ${e?.message ?? e}`, 'server_error'));
    });
  }
  // WebSocket upgrades (paths relative to the mount point); false when not ours.
  const listen = createUpgradeHandler(env);
  const speak = createTtsUpgradeHandler(env);
  const realtime = createRealtimeUpgradeHandler(env);
  const upgrade = (req, socket, head) => listen.upgrade(req, socket, head) || speak.upgrade(req, socket, head) || realtime.upgrade(req, socket, head);
  const closeAll = () => { listen.closeAll(); speak.closeAll(); realtime.closeAll(); rtc.closeAll(); void mcp.close(); };
  return Object.assign(handler, control, { upgrade, closeSockets: closeAll, mcp, otlp });
}

/** The JSON body of a request ({} when empty or not JSON). */
function readJson(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => { try { resolve(JSON.parse(Buffer.concat(parts).toString() || '{}')); } catch { resolve({}); } });
    req.on('error', () => resolve({}));
  });
}

/**
 * Starts a standalone server (tests start one per file on port 0).
 * @param {{ port?: number, host?: string } & ProviderServerOptions} [options]
 */
export async function startProviderServer({ port = 0, host = '127.0.0.1', ...options } = {}) {
  const handler = createProviderHandler(options);
  const server = createServer((req, res) => handler(req, res));
  server.on('upgrade', (req, socket, head) => {
    if (!handler.upgrade(req, socket, head)) socket.destroy();
  });
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
      handler.closeSockets(); // and so would WebSockets, which it does not see
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
