// OpenAI Realtime (GA) over WebSocket, spec/protocols.md §4 and §12.1: `/v1/realtime?model=…`
// plus `POST /v1/realtime/client_secrets` (ek_ secrets) and `POST /token` (the example app
// endpoint: mints one without the caller holding the key). Auth as the real API: the browser's
// subprotocols `realtime, openai-insecure-api-key.<key>` ('realtime' echoed) or a server's
// `Authorization: Bearer`; a bad or absent key is refused at the handshake with HTTP 401 and
// OpenAI's error body. Server VAD on the appended audio's energy (20 ms blocks), input
// transcription from the script, responses spoken by espeak-ng (pcm 24 kHz, base64, 100 ms
// chunks sent at 4× real time), function calls, truncate, cancel. Faults (RealtimeEntry in
// server.d.mts): handshake auth or hang, close mid-response, a malformed frame, a rate-limit error.
// Every client event is logged (appends summarized as a count and bytes).
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { openAiError } from './faults.mjs';
import { maskSecret } from './http.mjs';
import { TTS_RATE } from './espeak.mjs';

const id = (prefix) => `${prefix}_${randomBytes(8).toString('hex')}`;
const BLOCK = TTS_RATE / 50; // 20 ms
const SPEECH_RMS = 0.01;
const CHUNK_BYTES = (TTS_RATE / 10) * 2; // 100 ms of pcm16
const DEFAULT_TURN = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true };

/** Mints an ek_ secret into `state` (client_secrets and /token). */
export function mintSecret(state, body) {
  const seconds = Math.min(7200, Math.max(10, Number(body?.expires_after?.seconds ?? 600)));
  const value = `ek_${randomBytes(12).toString('hex')}`;
  const session = { type: 'realtime', model: 'gpt-realtime', ...(body?.session ?? {}), object: 'realtime.session', id: id('sess') };
  const expiresAt = Math.floor(Date.now() / 1000) + seconds;
  state.secrets.set(value, { expiresAt, session });
  return { value, expires_at: expiresAt, session };
}

/** @param {{ state(): any, espeak: (text: string, voice: string, speed: number) => Promise<Buffer> }} env */
export function createRealtimeUpgradeHandler(env) {
  const held = new Set();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('realtime') ? 'realtime' : false) });

  function upgrade(req, socket, head) {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname.replace(/\/+$/, '') !== '/v1/realtime') return false;
    const state = env.state();
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    const key = offered.find((p) => p.startsWith('openai-insecure-api-key.'))?.slice('openai-insecure-api-key.'.length)
      ?? /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1]?.trim() ?? null;
    const body = { query: Object.fromEntries(url.searchParams), protocols: offered.map((p) => (p.startsWith('openai-insecure-api-key.') ? `openai-insecure-api-key.${maskSecret(p.slice(24))}` : p)), received: [], appends: 0, audioBytes: 0, closeCode: null, closedBy: null };
    const entry = { id: id('req'), route: '/v1/realtime', method: 'GET', startedAt: Date.now(), endedAt: null, status: null, aborted: false, authorization: key ? `Bearer ${maskSecret(key)}` : null, bytesOut: 0, body };
    state.log.push(entry);
    const script = state.realtime.shift() ?? {};
    const refuse = (message) => {
      const text = JSON.stringify(openAiError(message, 'invalid_request_error', 'invalid_api_key'));
      socket.end(`HTTP/1.1 401 ${STATUS_CODES[401]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
      entry.status = 401;
      entry.endedAt = Date.now();
    };
    const secret = key?.startsWith('ek_') ? state.secrets.get(key) : undefined;
    if (script.fault?.kind === 'auth') { refuse('Incorrect API key provided (scripted).'); return true; }
    if (script.fault?.kind === 'hang') { held.add(socket); socket.on('close', () => held.delete(socket)); return true; } // the client's connect limit must fire
    if (!key) { refuse("You didn't provide an API key."); return true; }
    if (key.startsWith('ek_') && (!secret || secret.expiresAt * 1000 < Date.now())) { refuse(`Incorrect API key provided: ${maskSecret(key)}. The client secret is unknown or expired.`); return true; }
    if (!key.startsWith('ek_') && state.config.requireKey && key !== state.config.requireKey) { refuse(`Incorrect API key provided: ${maskSecret(key)}.`); return true; }
    wss.handleUpgrade(req, socket, head, (ws) => {
      entry.status = 101;
      serve(wsLink(ws), { env, entry, script, session: { ...(secret?.session ?? { type: 'realtime', model: url.searchParams.get('model') ?? 'gpt-realtime' }), id: secret?.session.id ?? id('sess') } });
    });
    return true;
  }
  return { upgrade, closeAll: () => { for (const ws of wss.clients) ws.terminate(); for (const s of held) s.destroy(); } };
}

/** A WebSocket as a {@link serve} link: events as text frames, audio as base64 deltas. */
function wsLink(ws) {
  return {
    open: () => ws.readyState === ws.OPEN,
    send: (text) => ws.send(text),
    close: (code, reason) => ws.close(code, reason),
    onMessage: (fn) => ws.on('message', (data, isBinary) => fn(String(data), isBinary)),
    onClose: (fn) => { ws.on('close', (code) => fn(code)); ws.on('error', () => undefined); },
    audio: null,
  };
}

/**
 * One realtime conversation on `link` (a WebSocket, or a WebRTC data channel whose `audio`
 * plays the model's voice on an RTP track and feeds the caller's audio to `hear`).
 * @param {{ open(): boolean, send(text: string): void, close(code?: number, reason?: string): void,
 *   onMessage(fn: (text: string, isBinary: boolean) => void): void, onClose(fn: (code: number) => void): void,
 *   audio: null | { play(pcm: Buffer): Promise<void>, drain(): Promise<void>, clear(): void, onHear(fn: (pcm: Buffer) => void): void } }} link
 */
export function serve(link, { env, entry, script, session }) {
  const body = entry.body;
  const fault = script.fault ?? {};
  let chunksSent = 0;
  const send = (obj) => {
    if (!link.open()) return;
    const text = JSON.stringify({ event_id: id('event'), ...obj });
    entry.bytesOut += text.length;
    link.send(text);
  };
  const cfg = {
    type: 'realtime', object: 'realtime.session', output_modalities: ['audio'], instructions: '', tools: [],
    audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: null, turn_detection: { ...DEFAULT_TURN } }, output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 } },
    ...session,
  };
  send({ type: 'session.created', session: cfg });

  // Server VAD over what was appended (time in ms of input audio).
  let heardMs = 0;
  let bufferedMs = 0; // since the last commit
  let run = 0;
  let speech = null; // { startMs, itemId, quietMs }
  let pending = new Float32Array(0);
  let lastItem = null;
  /** The response being generated: { id, cancelled, calls } */
  let current = null;
  const responses = [...(script.responses ?? [])];
  const transcripts = [...(script.transcripts ?? [])];

  function hear(buf) {
    const s = new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length - (buf.length % 2)));
    const joined = new Float32Array(pending.length + s.length);
    joined.set(pending);
    for (let i = 0; i < s.length; i++) joined[pending.length + i] = s[i] / 32768;
    let at = 0;
    for (; at + BLOCK <= joined.length; at += BLOCK) {
      let sum = 0;
      for (let i = at; i < at + BLOCK; i++) sum += joined[i] ** 2;
      block(Math.sqrt(sum / BLOCK) > SPEECH_RMS);
      heardMs += 20;
      bufferedMs += 20;
    }
    pending = joined.slice(at);
  }
  function block(voiced) {
    const td = cfg.audio.input.turn_detection;
    if (!td) return;
    if (!speech) {
      run = voiced ? run + 1 : 0;
      if (run < 3) return;
      const startMs = Math.max(0, heardMs - 40 - (td.prefix_padding_ms ?? 300));
      speech = { startMs, itemId: id('item'), quietMs: 0 };
      run = 0;
      send({ type: 'input_audio_buffer.speech_started', audio_start_ms: startMs, item_id: speech.itemId });
      if (current && !current.cancelled && td.interrupt_response !== false) cancel(current);
      return;
    }
    speech.quietMs = voiced ? 0 : speech.quietMs + 20;
    if (speech.quietMs < (td.silence_duration_ms ?? 500)) return;
    const { itemId, startMs } = speech;
    speech = null;
    const endMs = heardMs + 20 - (td.silence_duration_ms ?? 500);
    bufferedMs = 0;
    send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: endMs, item_id: itemId });
    send({ type: 'input_audio_buffer.committed', previous_item_id: lastItem, item_id: itemId });
    send({ type: 'conversation.item.added', previous_item_id: lastItem, item: { id: itemId, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] } });
    lastItem = itemId;
    if (cfg.audio.input.transcription) {
      const transcript = transcripts.shift() ?? `(${((endMs - startMs) / 1000).toFixed(1)} s of speech)`;
      send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript, usage: { type: 'duration', seconds: (endMs - startMs) / 1000 } });
    }
    if (td.create_response !== false) void respond({});
  }

  function cancel(r) {
    r.cancelled = true;
    clearAudio(r);
  }
  /** WebRTC: stops the voice on the track (a cancel, or the client's output_audio_buffer.clear). */
  function clearAudio(r) {
    if (!link.audio) return;
    link.audio.clear();
    if (r?.playing) {
      r.playing = false;
      r.cleared = true;
      send({ type: 'output_audio_buffer.cleared', response_id: r.id });
    }
  }

  async function respond(overrides, eventId = null) {
    if (current && !current.cancelled) return send({ type: 'error', error: { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: 'Conversation already has an active response in progress.', param: null, event_id: eventId } });
    if (fault.kind === 'rate-limit' && !fault.fired) {
      fault.fired = true;
      return send({ type: 'error', error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Rate limit reached for tokens per min (scripted). Please try again in 1.2s.', param: null, event_id: eventId } });
    }
    const r = (current = { id: id('resp'), cancelled: false });
    const plan = responses.shift() ?? { text: 'Okay.' };
    send({ type: 'response.created', response: { id: r.id, object: 'realtime.response', status: 'in_progress', output: [] } });
    const output = [];
    let index = 0;
    if (plan.delayMs) await sleep(plan.delayMs);
    if (plan.text && !r.cancelled) {
      const itemId = id('item');
      const ids = { response_id: r.id, item_id: itemId, output_index: index, content_index: 0 };
      const item = { id: itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [] };
      send({ type: 'response.output_item.added', response_id: r.id, output_index: index, item });
      send({ type: 'response.content_part.added', ...ids, part: { type: 'audio', transcript: '' } });
      const pcm = await env.espeak(plan.text, cfg.audio.output.voice ?? 'marin', cfg.audio.output.speed ?? 1);
      const words = plan.text.split(' ');
      const chunks = Math.ceil(pcm.length / CHUNK_BYTES);
      for (let c = 0; c < chunks && !r.cancelled && !r.cleared && link.open(); c++) {
        if (fault.afterChunks !== undefined && chunksSent >= fault.afterChunks && !fault.fired) {
          fault.fired = true;
          if (fault.kind === 'close') { body.closedBy = 'server'; link.close(fault.code ?? 1011, fault.reason ?? 'internal_error (scripted)'); return; }
          if (fault.kind === 'malformed') link.send(fault.frame ?? '{"type":"response.output_audio.del');
        }
        const chunk = pcm.subarray(c * CHUNK_BYTES, (c + 1) * CHUNK_BYTES);
        if (link.audio) {
          // WebRTC: the voice goes on the RTP track in real time; the channel says when it plays.
          if (!r.playing) send({ type: 'output_audio_buffer.started', response_id: r.id });
          r.playing = true;
        } else send({ type: 'response.output_audio.delta', ...ids, delta: chunk.toString('base64') });
        chunksSent++;
        // The words of this chunk's share of the text, as the transcript runs alongside.
        const w = words.slice(Math.round((c * words.length) / chunks), Math.round(((c + 1) * words.length) / chunks));
        if (w.length) send({ type: 'response.output_audio_transcript.delta', ...ids, delta: (c && Math.round((c * words.length) / chunks) ? ' ' : '') + w.join(' ') });
        if (link.audio) await link.audio.play(chunk);
        else await sleep(script.chunkDelayMs ?? 25);
      }
      if (link.audio && r.playing && !r.cancelled && !r.cleared) {
        await link.audio.drain();
        if (!r.cleared) send({ type: 'output_audio_buffer.stopped', response_id: r.id });
        r.playing = false;
      }
      send({ type: 'response.output_audio.done', ...ids });
      send({ type: 'response.output_audio_transcript.done', ...ids, transcript: plan.text });
      send({ type: 'response.content_part.done', ...ids, part: { type: 'audio', transcript: plan.text } });
      const done = { ...item, status: r.cancelled ? 'incomplete' : 'completed', content: [{ type: 'output_audio', transcript: plan.text }] };
      send({ type: 'response.output_item.done', response_id: r.id, output_index: index, item: done });
      output.push(done);
      lastItem = itemId;
      index++;
    }
    for (const call of r.cancelled ? [] : plan.toolCalls ?? []) {
      const itemId = id('item');
      const callId = call.id ?? id('call');
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
      const item = { id: itemId, type: 'function_call', status: 'in_progress', name: call.name, call_id: callId, arguments: '' };
      send({ type: 'response.output_item.added', response_id: r.id, output_index: index, item });
      const half = Math.floor(args.length / 2);
      for (const part of [args.slice(0, half), args.slice(half)]) if (part) send({ type: 'response.function_call_arguments.delta', response_id: r.id, item_id: itemId, output_index: index, call_id: callId, delta: part });
      send({ type: 'response.function_call_arguments.done', response_id: r.id, item_id: itemId, output_index: index, call_id: callId, name: call.name, arguments: args });
      const done = { ...item, status: 'completed', arguments: args };
      send({ type: 'response.output_item.done', response_id: r.id, output_index: index, item: done });
      output.push(done);
      lastItem = itemId;
      index++;
    }
    if (current === r) current = null;
    send({ type: 'response.done', response: { id: r.id, object: 'realtime.response', status: r.cancelled ? 'cancelled' : 'completed', status_details: r.cancelled ? { type: 'cancelled', reason: 'turn_detected' } : null, output, usage: { total_tokens: 100, input_tokens: 60, output_tokens: 40 }, ...(overrides.instructions ? { instructions: overrides.instructions } : {}) } });
  }

  link.audio?.onHear((pcm) => {
    body.rtpAudioBytes = (body.rtpAudioBytes ?? 0) + pcm.length;
    hear(pcm);
  });
  link.onMessage((data, isBinary) => {
    let msg;
    try { msg = JSON.parse(String(data)); } catch { msg = null; }
    if (isBinary || !msg || typeof msg.type !== 'string') {
      return send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_json', message: 'The server could not parse the event as JSON.', param: null, event_id: null } });
    }
    if (msg.type === 'input_audio_buffer.append') {
      const buf = Buffer.from(String(msg.audio ?? ''), 'base64');
      body.appends++;
      body.audioBytes += buf.length;
      return hear(buf);
    }
    body.received.push(msg);
    switch (msg.type) {
      case 'session.update': {
        const s = msg.session ?? {};
        if (s.type !== 'realtime') return send({ type: 'error', error: { type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameter: 'session.type'.", param: 'session.type', event_id: msg.event_id ?? null } });
        const { audio, ...rest } = s;
        Object.assign(cfg, rest);
        if (audio?.input) cfg.audio.input = { ...cfg.audio.input, ...audio.input };
        if (audio?.output) cfg.audio.output = { ...cfg.audio.output, ...audio.output };
        return send({ type: 'session.updated', session: cfg });
      }
      case 'conversation.item.create': {
        const item = { id: msg.item?.id ?? id('item'), status: 'completed', ...msg.item };
        send({ type: 'conversation.item.added', previous_item_id: lastItem, item });
        lastItem = item.id;
        return send({ type: 'conversation.item.done', previous_item_id: null, item });
      }
      case 'conversation.item.truncate':
        return send({ type: 'conversation.item.truncated', item_id: msg.item_id, content_index: msg.content_index ?? 0, audio_end_ms: msg.audio_end_ms });
      case 'response.create':
        return void respond(msg.response ?? {}, msg.event_id ?? null);
      case 'response.cancel':
        if (current && !current.cancelled && (!msg.response_id || msg.response_id === current.id)) return cancel(current);
        return send({ type: 'error', error: { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found.', param: null, event_id: msg.event_id ?? null } });
      case 'output_audio_buffer.clear':
        if (current) clearAudio(current);
        else if (link.audio) link.audio.clear();
        return undefined;
      case 'input_audio_buffer.commit': {
        // With turn detection off the client ends the user's turn (Earshot's local barge-in).
        if (!bufferedMs) return send({ type: 'error', error: { type: 'invalid_request_error', code: 'input_audio_buffer_commit_empty', message: 'Error committing input audio buffer: buffer is empty.', param: null, event_id: msg.event_id ?? null } });
        const itemId = id('item');
        send({ type: 'input_audio_buffer.committed', previous_item_id: lastItem, item_id: itemId });
        send({ type: 'conversation.item.added', previous_item_id: lastItem, item: { id: itemId, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] } });
        lastItem = itemId;
        if (cfg.audio.input.transcription) send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript: transcripts.shift() ?? `(${(bufferedMs / 1000).toFixed(1)} s of audio)`, usage: { type: 'duration', seconds: bufferedMs / 1000 } });
        bufferedMs = 0;
        return undefined;
      }
      case 'input_audio_buffer.clear':
        pending = new Float32Array(0);
        speech = null;
        return send({ type: 'input_audio_buffer.cleared' });
      default:
        return undefined;
    }
  });
  link.onClose((code) => {
    body.closeCode = code;
    body.closedBy ??= 'client';
    entry.endedAt = Date.now();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
