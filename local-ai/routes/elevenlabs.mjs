// ElevenLabs TTS (spec/protocols.md §6): `POST /v1/text-to-speech/{voice}/stream` (raw PCM
// body, `xi-api-key` header) and the multi-context socket's messages (tts-ws.mjs runs the
// socket). Audio is espeak-ng's; only `pcm_*` output formats are spoken.
import { audioFrames } from '../tts-frames.mjs';
import { resampleS16 } from '../../scripts/wav.mjs';
import { TTS_RATE } from '../espeak.mjs';
import { FAULT_GRACE_MS, hang } from '../faults.mjs';
import { parseJson, readBody, sleep } from '../http.mjs';

const PCM_RATES = new Set([8000, 16000, 22050, 24000, 32000, 44100, 48000]);
const DEFAULT_SCHEDULE = [120, 160, 250, 290];
const detail = (status, message) => ({ detail: { status, message } });
const pcmRate = (format) => {
  const rate = Number(/^pcm_(\d+)$/.exec(format ?? '')?.[1]);
  return PCM_RATES.has(rate) ? rate : null;
};

/** POST /v1/text-to-speech/{voice}/stream: paced odd-sized chunks of s16le, with the `tts` script's faults. */
export async function elevenLabsStream(ctx, env, voice, query) {
  const state = env.state();
  const body = parseJson(ctx, await readBody(ctx.req));
  if (body === undefined) return;
  ctx.entry.body = { ...body, voice, query: Object.fromEntries(query) };
  const key = state.config.requireKey;
  const given = ctx.req.headers['xi-api-key'];
  if (key && given !== key) return ctx.json(401, given ? detail('invalid_api_key', 'Invalid API key') : detail('needs_authorization', 'Neither authorization header nor xi-api-key received, please provide one.'));
  if (typeof body?.text !== 'string' || !body.text.trim()) return ctx.json(422, { detail: [{ loc: ['body', 'text'], msg: 'Field required', type: 'missing' }] });
  const format = query.get('output_format') ?? 'mp3_44100_128';
  const rate = pcmRate(format);
  if (!rate) return ctx.json(400, detail('invalid_output_format', `The local provider server speaks only pcm_* output formats, not ${format}.`));
  const script = state.tts.shift();
  if (script?.delayMs) await sleep(script.delayMs, ctx.signal);
  if (ctx.signal.aborted) return;
  const fault = script?.fault;
  if (fault?.kind === 'status') return ctx.json(fault.status, fault.body ?? detail(fault.status === 429 ? 'too_many_concurrent_requests' : 'system_busy', `Scripted failure (${fault.status}).`), fault.headers ?? {});
  if (fault?.kind === 'hang') return hang(ctx);
  const speed = typeof body.voice_settings?.speed === 'number' ? body.voice_settings.speed : 1;
  const pcm = resampleS16(await env.espeak(body.text, voice, speed), TTS_RATE, rate);
  if (ctx.signal.aborted) return;
  ctx.res.writeHead(200, { 'content-type': 'application/octet-stream' });
  ctx.res.flushHeaders();
  const cutAt = fault?.kind === 'cut' || fault?.kind === 'stall' ? fault.afterBytes : Infinity;
  const bps = script?.bytesPerSecond ?? state.config.ttsBytesPerSecond;
  const t0 = Date.now();
  for (let off = 0; off < pcm.length; off += env.chunkBytes) {
    const part = pcm.subarray(off, Math.min(pcm.length, off + env.chunkBytes, cutAt));
    if (part.length && !(await ctx.write(part))) return;
    if (off + env.chunkBytes >= cutAt) {
      await sleep(FAULT_GRACE_MS, ctx.signal);
      return fault.kind === 'stall' ? hang(ctx) : ctx.destroy();
    }
    await sleep(bps ? t0 + ((off + part.length) / bps) * 1000 - Date.now() : 0, ctx.signal);
    if (ctx.signal.aborted) return;
  }
  ctx.end();
}

/**
 * The multi-context socket. Per context: text buffers until `chunk_length_schedule` (cut at a
 * space) or `flush`; `close_context` after a flush speaks the rest then sends `isFinal`, without
 * one it drops the buffer and stops (a cancel). Frames: `{audio, normalizedAlignment,
 * alignment, contextId}`, then `{isFinal: true, contextId}`.
 */
export function elevenLabsSocket(ctx) {
  const rate = pcmRate(ctx.query.get('output_format') ?? 'mp3_44100_128');
  const script = ctx.script;
  // Each context is generated on its own (its own `work` chain; the vendor: "independent audio
  // generation streams", e.g. the answer to a barge-in while an abandoned one still drains):
  // one context's audio never waits behind another's.
  const contexts = new Map();
  // A context without a message for this long is ended with an in-band error (an assumption:
  // the documented limit is `inactivity_timeout`; the message is shaped like stream-input's).
  const inactivityMs = Number(ctx.query.get('inactivity_timeout') ?? 20) * 1000;
  if (!rate) {
    ctx.send({ message: `The local provider server speaks only pcm_* output formats, not ${ctx.query.get('output_format')}.`, error: 'invalid_output_format', code: 1003 });
    ctx.close(1003, 'invalid_output_format');
    return { message() {} };
  }

  function open(id, msg) {
    const log = { text: '', spoken: '', samples: 0, flushed: false, closed: false, cancelled: false, final: false };
    ctx.body.contexts[id] = log; // a reused id starts over, as on the real server
    const c = { id, log, work: Promise.resolve(), buffer: '', gen: 0, started: false, cancelled: false, flushed: false, closed: false, timer: undefined, speed: msg.voice_settings?.speed ?? 1, schedule: msg.generation_config?.chunk_length_schedule ?? DEFAULT_SCHEDULE };
    contexts.set(id, c);
    return c;
  }

  function touch(c) {
    clearTimeout(c.timer);
    if (c.closed) return;
    c.timer = setTimeout(() => {
      if (c.closed) return;
      c.closed = c.cancelled = c.log.cancelled = c.log.timedOut = true;
      ctx.send({ message: `Context ${c.id}: input_timeout_exceeded (no text for ${inactivityMs / 1000} s)`, error: 'input_timeout_exceeded', contextId: c.id });
    }, inactivityMs);
  }

  function speak(c, piece) {
    c.work = c.work.then(async () => {
      if (!piece.trim() || c.cancelled || !ctx.open) return;
      const pcm = await ctx.espeak(piece, ctx.voice, c.speed);
      for (const f of audioFrames(pcm, rate, piece, script.chunkMs ?? 100)) {
        const wait = c.started ? script.chunkDelayMs : script.firstAudioDelayMs;
        c.started = true;
        if (wait) await ctx.sleep(wait);
        if (c.cancelled || !ctx.open) return;
        const chars = [...piece.slice(f.from, f.to)];
        const per = chars.length ? ((f.endSec - f.startSec) * 1000) / chars.length : 0;
        const alignment = { chars, charStartTimesMs: chars.map((_, i) => Math.round(i * per)), charDurationsMs: chars.map(() => Math.round(per)) };
        if (!ctx.send({ audio: f.pcm.toString('base64'), normalizedAlignment: alignment, alignment, contextId: c.id })) return;
        c.log.spoken += chars.join('');
        c.log.samples += f.pcm.length / 2;
        ctx.audioSent();
      }
    });
  }

  function flush(c) {
    c.flushed = c.log.flushed = true;
    const piece = c.buffer;
    c.buffer = '';
    speak(c, piece);
  }

  return {
    message(msg) {
      if (msg.close_socket === true) {
        void Promise.all([...contexts.values()].map((c) => c.work)).then(() => ctx.close(1000, ''));
        return;
      }
      const id = typeof msg.context_id === 'string' ? msg.context_id : 'default';
      let c = contexts.get(id);
      if (c?.closed && msg.close_context === true) {
        c.log.closedAgain = true; // e.g. a barge-in after the end was sent: a flushed context keeps flushing
        return;
      }
      const first = !c || c.closed;
      if (first) {
        if (ctx.requireKey && msg.xi_api_key !== ctx.requireKey) {
          ctx.send({ message: 'Invalid API key', error: 'invalid_api_key', code: 1008 });
          return ctx.close(1008, 'Invalid API key');
        }
        c = open(id, msg);
      }
      touch(c);
      if (msg.close_context === true) {
        clearTimeout(c.timer);
        c.closed = c.log.closed = true;
        if (!c.flushed) {
          c.cancelled = c.log.cancelled = true;
          c.buffer = '';
          return;
        }
        c.work = c.work.then(() => {
          if (!c.cancelled && ctx.send({ isFinal: true, contextId: id })) c.log.final = true;
        });
        return;
      }
      if (typeof msg.text === 'string' && !(first && msg.text === ' ')) {
        c.buffer += msg.text;
        c.log.text += msg.text;
      }
      if (msg.flush === true) return flush(c);
      // The buffer is spoken in pieces once it passes the schedule's next threshold.
      for (;;) {
        const need = c.schedule[Math.min(c.gen, c.schedule.length - 1)];
        const cut = c.buffer.lastIndexOf(' ');
        if (c.buffer.length < need || cut <= 0) break;
        const piece = c.buffer.slice(0, cut + 1);
        c.buffer = c.buffer.slice(cut + 1);
        c.gen++;
        speak(c, piece);
      }
    },
    closed() {
      for (const c of contexts.values()) clearTimeout(c.timer);
    },
  };
}
