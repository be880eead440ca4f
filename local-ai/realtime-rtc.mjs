// OpenAI Realtime (GA) over WebRTC, spec/protocols.md §4: `POST /v1/realtime/calls` with the
// offer SDP (`Content-Type: application/sdp`, `Authorization: Bearer ek_…` or a key) answers
// 201 with the answer SDP and a `Location: /v1/realtime/calls/{id}`. The peer is werift (pure
// TypeScript): one PCMU audio track each way (the only codec offered, so no Opus encoder is
// needed here; Chromium accepts it), the `oai-events` data channel carrying the same GA events
// and scripts as the WebSocket stand-in (realtime.mjs `serve`), and the server VAD run on the
// caller's RTP audio. The model's voice is paced in real time (20 ms packets) and the channel
// says `output_audio_buffer.started|stopped|cleared`; `output_audio_buffer.clear` stops it.
// Faults: `auth` (401 with OpenAI's error body) and the script's in-call faults.
// ICE: the answer offers only a loopback host candidate (ICE lite: this side never sends checks
// of its own), so no packet leaves the machine.
import { randomBytes } from 'node:crypto';
import { openAiError } from './faults.mjs';
import { maskSecret } from './http.mjs';
import { serve } from './realtime.mjs';

const id = (prefix) => `${prefix}_${randomBytes(8).toString('hex')}`;
const PACKET = 160; // 20 ms at 8 kHz
const CONNECT_MS = 15_000;
/** werift, loaded on the first call (its import costs ~0.6 s that other endpoints' users need not pay). */
let werift = null;

/** @param {{ state(): any, espeak: Function }} env */
export function createRealtimeCalls(env) {
  const peers = new Set();

  /** POST /v1/realtime/calls; `ctx` from http.mjs `begin`. */
  async function calls(ctx) {
    const { req } = ctx;
    const state = env.state();
    const url = new URL(req.url ?? '/', 'http://local');
    const key = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1]?.trim() ?? null;
    const sdp = await readText(req);
    const body = { query: Object.fromEntries(url.searchParams), contentType: String(req.headers['content-type'] ?? ''), received: [], appends: 0, audioBytes: 0, rtpAudioBytes: 0, closeCode: null, closedBy: null };
    ctx.entry.body = body;
    const script = state.realtime.shift() ?? {};
    const refuse = (message) => ctx.json(401, openAiError(message, 'invalid_request_error', 'invalid_api_key'));
    const secret = key?.startsWith('ek_') ? state.secrets.get(key) : undefined;
    if (script.fault?.kind === 'auth') return refuse('Incorrect API key provided (scripted).');
    if (!key) return refuse("You didn't provide an API key.");
    if (key.startsWith('ek_') && (!secret || secret.expiresAt * 1000 < Date.now())) return refuse(`Incorrect API key provided: ${maskSecret(key)}. The client secret is unknown or expired.`);
    if (!key.startsWith('ek_') && state.config.requireKey && key !== state.config.requireKey) return refuse(`Incorrect API key provided: ${maskSecret(key)}.`);
    if (!/^application\/sdp/i.test(body.contentType) || !sdp.startsWith('v=0')) return ctx.json(400, openAiError('The request body must be an SDP offer (Content-Type: application/sdp).', 'invalid_request_error', 'invalid_offer'));
    if (script.fault?.kind === 'hang') return; // the client's connect limit must fire (the request stays open)
    werift ??= await import('werift');
    const { RTCPeerConnection, RTCRtpCodecParameters, MediaStreamTrack } = werift;

    const pcmu = new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 });
    const pc = new RTCPeerConnection({ codecs: { audio: [pcmu] }, iceLite: true, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } });
    peers.add(pc);
    const out = new MediaStreamTrack({ kind: 'audio' });
    const transceiver = pc.addTransceiver(out, { direction: 'sendrecv' });
    const voice = voiceTrack(out);
    const hearers = [];
    transceiver.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => {
      const pcm = ulawTo24k(rtp.payload);
      for (const fn of hearers) fn(pcm);
    }));
    let closed = false;
    const closeHandlers = [];
    const end = (code) => {
      if (closed) return;
      closed = true;
      voice.stop();
      peers.delete(pc);
      for (const fn of closeHandlers) fn(code);
      void pc.close().catch(() => undefined);
    };
    const giveUp = setTimeout(() => end(1006), CONNECT_MS); // never connected
    pc.connectionStateChange.subscribe((s) => { if (s === 'failed' || s === 'closed') end(1006); });
    pc.onDataChannel.subscribe((dc) => {
      if (dc.label !== 'oai-events') return;
      const start = () => {
        clearTimeout(giveUp);
        const messageHandlers = [];
        dc.onMessage.subscribe((m) => { for (const fn of messageHandlers) fn(String(m), typeof m !== 'string'); });
        dc.stateChanged.subscribe((s) => { if (s === 'closed') end(1000); });
        serve({
          open: () => !closed && dc.readyState === 'open',
          send: (text) => dc.send(text),
          close: (code) => { body.closedBy ??= 'server'; end(code ?? 1000); },
          onMessage: (fn) => messageHandlers.push(fn),
          onClose: (fn) => closeHandlers.push(fn),
          audio: { play: (pcm) => voice.play(pcm), drain: () => voice.drain(), clear: () => voice.clear(), onHear: (fn) => hearers.push(fn) },
        }, { env, entry: ctx.entry, script, session: { ...(secret?.session ?? { type: 'realtime', model: url.searchParams.get('model') ?? 'gpt-realtime' }), id: secret?.session.id ?? id('sess') } });
      };
      if (dc.readyState === 'open') start();
      else dc.stateChanged.subscribe((s) => s === 'open' && start());
    });
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    const callId = id('rtc');
    ctx.res.writeHead(201, { 'content-type': 'application/sdp', location: `/v1/realtime/calls/${callId}` });
    ctx.end(loopbackOnly(pc.localDescription.sdp));
  }

  return { calls, closeAll: () => { for (const pc of peers) void pc.close().catch(() => undefined); peers.clear(); } };
}

/**
 * The model's voice on an RTP track: 24 kHz pcm16 in, PCMU 20 ms packets out at real time
 * (silence between answers keeps the receiver's clock running).
 */
function voiceTrack(track) {
  /** 8 kHz µ-law bytes waiting to be sent. */
  let queue = Buffer.alloc(0);
  let seq = Math.floor(Math.random() * 0xffff);
  let ts = Math.floor(Math.random() * 0xffffffff);
  const started = performance.now();
  let sent = 0;
  let waiters = [];
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - started) / 20);
    for (; sent < due; sent++) {
      const payload = queue.length >= PACKET ? queue.subarray(0, PACKET) : Buffer.alloc(PACKET, 0xff);
      queue = queue.length >= PACKET ? queue.subarray(PACKET) : Buffer.alloc(0);
      track.writeRtp(new werift.RtpPacket(new werift.RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: ts >>> 0, marker: false, ssrc: 0 }), payload));
      seq = (seq + 1) & 0xffff;
      ts = (ts + PACKET) >>> 0;
    }
    if (queue.length < PACKET * 10) { for (const w of waiters.splice(0)) w(); } // ≤ 200 ms ahead
  }, 10);
  return {
    /** Queues pcm (24 kHz s16le); resolves once at most 200 ms is waiting. */
    play(pcm) {
      queue = Buffer.concat([queue, pcmToUlaw8k(pcm)]);
      return queue.length < PACKET * 10 ? Promise.resolve() : new Promise((r) => waiters.push(r));
    },
    /** Resolves once the queue has gone out. */
    async drain() {
      while (queue.length >= PACKET) await new Promise((r) => setTimeout(r, 20));
    },
    clear() {
      queue = Buffer.alloc(0);
      for (const w of waiters.splice(0)) w();
    },
    stop() {
      clearInterval(timer);
      queue = Buffer.alloc(0);
      for (const w of waiters.splice(0)) w();
    },
  };
}

/** Resolves when ICE gathering is done (bounded: what was gathered by then is answered). */
function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 2000);
    pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') { clearTimeout(t); resolve(undefined); } });
  });
}

/** The answer with only its 127.0.0.1 candidates: the caller reaches us on loopback only. */
function loopbackOnly(sdp) {
  return sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:') || / 127\.0\.0\.1 /.test(l)).join('\r\n');
}

function readText(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts).toString()));
    req.on('error', () => resolve(''));
  });
}

// G.711 µ-law (ITU-T G.711), both ways.
function linearToUlaw(x) {
  const BIAS = 0x84;
  let sign = 0;
  if (x < 0) { x = -x; sign = 0x80; }
  x = Math.min(32635, x) + BIAS;
  let exp = 7;
  for (let mask = 0x4000; (x & mask) === 0 && exp > 0; exp--, mask >>= 1);
  const mantissa = (x >> (exp + 3)) & 0x0f;
  return ~(sign | (exp << 4) | mantissa) & 0xff;
}

function ulawToLinear(u) {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** 24 kHz s16le → 8 kHz µ-law (a 3-sample mean: a crude low-pass, enough for espeak's voice). */
function pcmToUlaw8k(pcm) {
  const n = Math.floor(pcm.length / 6);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = linearToUlaw(Math.round((pcm.readInt16LE(i * 6) + pcm.readInt16LE(i * 6 + 2) + pcm.readInt16LE(i * 6 + 4)) / 3));
  return out;
}

/** 8 kHz µ-law → 24 kHz s16le (each sample held three times: the VAD only needs the energy). */
function ulawTo24k(payload) {
  const out = Buffer.alloc(payload.length * 6);
  for (let i = 0; i < payload.length; i++) {
    const v = ulawToLinear(payload[i]);
    for (let k = 0; k < 3; k++) out.writeInt16LE(v, i * 6 + k * 2);
  }
  return out;
}
