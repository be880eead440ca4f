// /__control/*: script queues, config, reset, request log (JSON), and their programmatic twin.
import { openAiError } from './faults.mjs';
import { maskSecret, readBody } from './http.mjs';

/** @param {{ state(): any, reset(): void }} env */
export function createControl(env) {
  const control = {
    /** @param {{ llm?: object[], tts?: object[], stt?: object[], listen?: object[], ttsSocket?: object[], append?: boolean }} s */
    script(s) {
      const state = env.state();
      for (const k of /** @type {const} */ (['llm', 'tts', 'stt', 'listen', 'ttsSocket', 'realtime'])) {
        if (s[k] !== undefined && !Array.isArray(s[k])) throw new Error(`${k} must be an array`);
        if (s[k]) state[k] = s.append ? [...state[k], ...s[k]] : [...s[k]];
      }
      return { llm: state.llm.length, tts: state.tts.length, stt: state.stt.length, listen: state.listen.length, ttsSocket: state.ttsSocket.length, realtime: state.realtime.length };
    },
    /** @param {{ requireKey?: string | null, ttsBytesPerSecond?: number | null, ttsLevelDb?: number | null, ttsUnderlayDb?: number | null, listenIdleMs?: number, streamPauses?: boolean }} c */
    configure(c) {
      const config = env.state().config;
      if (c.requireKey !== undefined) config.requireKey = c.requireKey || null;
      if (c.ttsBytesPerSecond !== undefined) config.ttsBytesPerSecond = c.ttsBytesPerSecond || null;
      if (c.ttsLevelDb !== undefined) config.ttsLevelDb = typeof c.ttsLevelDb === 'number' ? c.ttsLevelDb : null;
      if (c.ttsUnderlayDb !== undefined) config.ttsUnderlayDb = typeof c.ttsUnderlayDb === 'number' ? c.ttsUnderlayDb : null;
      if (c.listenIdleMs !== undefined) config.listenIdleMs = c.listenIdleMs;
      if (c.streamPauses !== undefined) config.streamPauses = c.streamPauses !== false;
      return { requireKey: config.requireKey ? maskSecret(config.requireKey) : null, ttsBytesPerSecond: config.ttsBytesPerSecond, ttsLevelDb: config.ttsLevelDb, ttsUnderlayDb: config.ttsUnderlayDb, listenIdleMs: config.listenIdleMs, streamPauses: config.streamPauses };
    },
    reset() { env.reset(); },
    log() { return { requests: env.state().log }; },
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
  return { control, controlRoute };
}
