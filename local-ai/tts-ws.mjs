// The TTS WebSockets of the local provider server: ElevenLabs' multi-context
// `/v1/text-to-speech/{voice}/multi-stream-input` and Cartesia's `/tts/websocket`
// (spec/protocols.md §6, §8), audio from espeak-ng. Credentials travel in the URL as the
// browser sends them (ElevenLabs `single_use_token`, Cartesia `access_token` / `api_key`); a bad
// one is refused at the handshake with HTTP 401 (a page only sees close 1006). Every JSON
// message received is logged, per context too, so tests can assert what arrived (a cancel,
// a `close_context`). Scripted faults (TtsSocketEntry in server.d.mts): a handshake status or
// hang, slow first audio, and after N audio frames a close or a malformed frame.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { maskSecret, sleep } from './http.mjs';
import { elevenLabsSocket } from './routes/elevenlabs.mjs';
import { cartesiaSocket } from './routes/cartesia.mjs';

const ELEVEN = /^\/v1\/text-to-speech\/([^/]+)\/multi-stream-input$/;

/** @param {{ state(): any, espeak(text: string, voice: string, speed: number): Promise<Buffer> }} env */
export function createTtsUpgradeHandler(env) {
  const wss = new WebSocketServer({ noServer: true });
  const held = new Set();
  function closeAll() {
    for (const ws of wss.clients) ws.terminate();
    for (const s of held) s.destroy();
  }

  /** @returns {boolean} false when the path is not ours. */
  function upgrade(req, socket, head) {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname.replace(/\/+$/, '');
    const eleven = ELEVEN.exec(path);
    if (!eleven && path !== '/tts/websocket') return false;
    const state = env.state();
    const q = url.searchParams;
    const credential = eleven ? q.get('single_use_token') : q.get('access_token') ?? q.get('api_key');
    const entry = {
      id: randomUUID(), route: eleven ? '/v1/text-to-speech/multi-stream-input' : '/tts/websocket', method: 'GET', startedAt: Date.now(), endedAt: null, status: null, aborted: false,
      authorization: credential ? maskSecret(credential) : null, bytesOut: 0,
      body: { query: Object.fromEntries(q), voice: eleven ? decodeURIComponent(eleven[1]) : null, received: [], contexts: {}, audioFrames: 0, closeCode: null, closeReason: null, closedBy: null },
    };
    state.log.push(entry);
    const script = state.ttsSocket.shift() ?? {};
    const fault = script.fault ?? {};
    const refuse = (status, message) => {
      const body = JSON.stringify(eleven ? { detail: { status: status === 401 ? 'invalid_api_key' : 'error', message } } : { error: message });
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      entry.status = status;
      entry.endedAt = Date.now();
    };
    const key = state.config.requireKey;
    if (fault.kind === 'auth') { refuse(401, 'Invalid API key'); return true; }
    if (fault.kind === 'status') { refuse(fault.status, `Scripted handshake failure (${fault.status}).`); return true; }
    if (eleven && credential !== null && key) {
      // Single-use tokens: any token starting with the key, each accepted once.
      if (!credential.startsWith(key) || state.usedTokens.has(credential)) { refuse(401, 'Invalid or used single-use token'); return true; }
      state.usedTokens.add(credential);
    }
    if (!eleven) {
      if (!q.get('cartesia_version')) { refuse(400, 'cartesia_version is required'); return true; }
      if (key && credential !== key) { refuse(401, 'Invalid API key or access token'); return true; }
    }
    if (fault.kind === 'hang') {
      held.add(socket);
      socket.on('close', () => { held.delete(socket); entry.endedAt = Date.now(); entry.aborted = true; });
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      entry.status = 101;
      serve(ws, { entry, script, fault, env, eleven: !!eleven, key: eleven && credential === null ? key : null });
    });
    return true;
  }
  return { upgrade, closeAll };
}

/** One accepted socket: ordered sends, the fault counter, and the vendor's message handler. */
function serve(ws, { entry, script, fault, env, eleven, key }) {
  const body = entry.body;
  let frames = 0;
  let broken = false;
  const ctx = {
    query: new URLSearchParams(body.query), voice: body.voice, script, body,
    /** Without a URL credential, ElevenLabs' key must come in each context's first message. */
    requireKey: key,
    espeak: env.espeak,
    get open() { return !broken && ws.readyState === ws.OPEN; },
    sleep,
    /** Sends one JSON frame now; false once the socket is gone or a fault fired. */
    send(obj) {
      if (!ctx.open) return false;
      const text = JSON.stringify(obj);
      entry.bytesOut += Buffer.byteLength(text);
      ws.send(text);
      return true;
    },
    /** Counts an audio frame just sent; a scripted fault may fire at a count. */
    audioSent() {
      body.audioFrames = ++frames;
      if (fault.afterChunks === undefined || frames < fault.afterChunks || fault.fired) return;
      fault.fired = true;
      if (fault.kind === 'close') ctx.close(fault.code ?? 1011, fault.reason ?? 'Internal server error (scripted)');
      else if (fault.kind === 'malformed') { ws.send(fault.frame ?? (eleven ? '{"audio":"AAAA' : '{"type":"chunk","da')); broken = true; }
    },
    close(code, reason) {
      if (ws.readyState !== ws.OPEN) return;
      broken = true;
      body.closedBy ??= 'server';
      ws.close(code, reason);
    },
  };
  const handler = eleven ? elevenLabsSocket(ctx) : cartesiaSocket(ctx);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ctx.close(1003, 'binary frames are not accepted');
    let msg;
    try { msg = JSON.parse(String(data)); } catch { return ctx.close(1007, 'Invalid JSON'); }
    body.received.push(msg);
    if (!broken) handler.message(msg);
  });
  ws.on('close', (code, reason) => {
    body.closeCode = code;
    body.closeReason = String(reason);
    body.closedBy ??= 'client';
    entry.endedAt = Date.now();
    handler.closed?.();
  });
  ws.on('error', () => undefined);
}

