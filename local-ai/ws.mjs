// The WebSocket side of the local provider server: Deepgram's `/v1/listen` (Nova) and
// `/v2/listen` (Flux), spec/protocols.md §5 and §12.2. Auth as the real API does it: the
// browser's subprotocol pair (`token, KEY` or `bearer, JWT`; the chosen scheme is echoed, or
// browsers drop the socket) or a server's `Authorization: Token|Bearer …` header; a bad one
// is refused at the handshake with HTTP 401 and `dg-error` (a page only sees close 1006).
// Scripted faults (ListenEntry in server.d.mts): a handshake status or hang, a slow
// handshake, delayed results, and after N words a 1011 close, a malformed frame or a stall.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { maskSecret } from './http.mjs';
import { listenV1, validateV1 } from './routes/listen-v1.mjs';
import { listenV2, validateV2 } from './routes/listen-v2.mjs';

const ROUTES = { '/v1/listen': { run: listenV1, validate: validateV1 }, '/v2/listen': { run: listenV2, validate: validateV2 } };

/** @param {{ state(): any }} env */
export function createUpgradeHandler(env) {
  const wss = new WebSocketServer({
    noServer: true,
    // Echo the auth scheme the client offered, as Deepgram does.
    handleProtocols: (protocols) => {
      const first = [...protocols][0];
      return first && /^(token|bearer)$/i.test(first) ? first : false;
    },
  });

  const held = new Set(); // hung handshakes
  /** Drops every socket (server shutdown). */
  function closeAll() {
    for (const ws of wss.clients) ws.terminate();
    for (const s of held) s.destroy();
  }

  /**
   * Handles an HTTP upgrade for one of our paths (relative to the mount point).
   * @returns {boolean} false when the path is not ours (the caller passes it on).
   */
  function upgrade(req, socket, head) {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname.replace(/\/+$/, '');
    const route = ROUTES[path];
    if (!route) return false;
    const state = env.state();
    const requestId = randomUUID();
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    let scheme = null;
    let secret = null;
    if (offered.length >= 2 && /^(token|bearer)$/i.test(offered[0])) [scheme, secret] = [offered[0].toLowerCase(), offered[1]];
    else {
      const m = /^(token|bearer)\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
      if (m) [scheme, secret] = [m[1].toLowerCase(), m[2].trim()];
    }
    /** @type {import('./server.mjs').LogEntry} */
    const entry = {
      id: requestId, route: path, method: 'GET', startedAt: Date.now(), endedAt: null, status: null, aborted: false,
      authorization: scheme ? `${scheme === 'token' ? 'Token' : 'Bearer'} ${maskSecret(secret)}` : null, bytesOut: 0,
      body: { query: Object.fromEntries(url.searchParams), protocol: scheme, audioBytes: 0, emptyFrames: 0, received: { KeepAlive: 0, Finalize: 0, CloseStream: 0, Configure: 0 }, closeCode: null, closeReason: null, closedBy: null },
    };
    state.log.push(entry);
    const script = state.listen.shift() ?? {};
    const fault = script.fault ?? {};

    const refuse = (status, errCode, message) => {
      const body = JSON.stringify({ err_code: errCode, err_msg: message, request_id: requestId });
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ndg-request-id: ${requestId}\r\ndg-error: ${message}\r\nconnection: close\r\n\r\n${body}`);
      entry.status = status;
      entry.endedAt = Date.now();
      entry.bytesOut = body.length;
    };
    const key = state.config.requireKey;
    if (fault.kind === 'auth' || (key && secret !== key)) { refuse(401, 'INVALID_AUTH', 'Invalid credentials.'); return true; }
    if (fault.kind === 'status') { refuse(fault.status, fault.status === 429 ? 'TOO_MANY_REQUESTS' : 'INTERNAL_SERVER_ERROR', `Scripted handshake failure (${fault.status}).`); return true; }
    const invalid = route.validate(url.searchParams);
    if (invalid) { refuse(400, 'Bad Request', invalid); return true; }
    if (fault.kind === 'hang') {
      held.add(socket);
      socket.on('close', () => { held.delete(socket); entry.endedAt = Date.now(); entry.aborted = true; });
      return true; // no answer to the upgrade: the client's connect timeout must fire
    }
    const accept = () => {
      if (socket.destroyed) { entry.aborted = true; entry.endedAt = Date.now(); return; }
      wss.handleUpgrade(req, socket, head, (ws) => {
        entry.status = 101;
        serve(ws, { entry, script, fault, requestId, query: url.searchParams, route, config: state.config });
      });
    };
    if (script.connectDelayMs) setTimeout(accept, script.connectDelayMs);
    else accept();
    return true;
  }
  return { upgrade, closeAll };
}

/** Runs one accepted socket: message plumbing, the idle close, and the in-call faults. */
function serve(ws, { entry, script, fault, requestId, query, route, config }) {
  const body = entry.body;
  let chain = Promise.resolve();
  let stalled = false;
  let words = 0;
  let closing = false;
  const ctx = {
    query, script, requestId,
    get stalled() { return stalled; },
    /** Sends one JSON text frame, after `script.resultDelayMs`, in order. */
    send(obj) {
      if (stalled || closing) return;
      const text = JSON.stringify(obj);
      const go = () => {
        if (ws.readyState !== ws.OPEN || stalled) return;
        entry.bytesOut += Buffer.byteLength(text);
        ws.send(text);
      };
      chain = script.resultDelayMs ? chain.then(() => new Promise((r) => setTimeout(r, script.resultDelayMs))).then(go) : chain.then(go);
    },
    /** Closes after everything queued has gone out. */
    close(code, reason) {
      if (closing) return;
      closing = true;
      void chain.then(() => {
        if (ws.readyState !== ws.OPEN) return;
        body.closedBy ??= 'server';
        if (code === undefined) ws.close(); // no status code: the client sees 1005
        else ws.close(code, reason);
      });
    },
    /** The route reports revealed words; a scripted fault may fire at a count. */
    wordsRevealed(n) {
      words += n;
      checkFault();
    },
  };
  function checkFault() {
    if (fault.afterWords === undefined || words < fault.afterWords || fault.fired) return;
    fault.fired = true;
    if (fault.kind === 'close') ctx.close(fault.code ?? 1011, fault.reason ?? 'NET-0000: The service did not send a response in time (scripted).');
    else if (fault.kind === 'malformed') void chain.then(() => { entry.bytesOut += 15; ws.send(fault.frame ?? '{"type":"Resul'); });
    else if (fault.kind === 'stall') stalled = true;
  }

  // NET-0001: neither audio nor KeepAlive for a while.
  let idle;
  const idleMs = config.listenIdleMs ?? 10_000;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => ctx.close(1011, `NET-0001: no audio or KeepAlive received for ${idleMs} ms.`), idleMs);
  };
  touch();

  const handlers = route.run(ctx);
  checkFault(); // afterWords: 0 fires at once
  ws.on('message', (data, isBinary) => {
    touch();
    if (isBinary) {
      const buf = Buffer.isBuffer(data) ? data : Buffer.concat(/** @type {Buffer[]} */ ([].concat(data)));
      if (buf.length === 0) { body.emptyFrames++; return; }
      body.audioBytes += buf.length;
      if (!stalled) handlers.audio(buf);
      return;
    }
    let msg;
    try { msg = JSON.parse(String(data)); } catch { return ctx.close(1002, 'DATA-0000: text frame is not JSON.'); }
    if (msg && typeof msg.type === 'string' && msg.type in body.received) body.received[msg.type]++;
    if (stalled) return;
    if (msg?.type === 'Finalize') handlers.finalize?.();
    else if (msg?.type === 'CloseStream') {
      const how = handlers.closeStream();
      ctx.close(how && 'code' in how ? how.code : 1000, '');
    }
  });
  ws.on('close', (code, reason) => {
    clearTimeout(idle);
    body.closeCode = code;
    body.closeReason = String(reason);
    body.closedBy ??= 'client';
    entry.endedAt = Date.now();
    entry.aborted = body.closedBy === 'client' && body.received.CloseStream === 0;
  });
  ws.on('error', () => undefined);
}
