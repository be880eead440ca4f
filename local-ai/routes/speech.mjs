// POST /v1/audio/speech (protocols.md §3.1): espeak-ng PCM (or WAV), paced, with faults.
import { TTS_RATE } from '../espeak.mjs';
import { FAULT_GRACE_MS, hang, openAiError, sendStatusFault } from '../faults.mjs';
import { mulberry32 } from '../../scripts/wav.mjs';
import { parseJson, readBody, sleep, startSse } from '../http.mjs';

/** @param {{ state(): any, authorized(ctx: any): boolean, espeak(text: string, voice: string, speed: number): Promise<Buffer>, chunkBytes: number }} env */
export async function speech(ctx, env) {
  const state = env.state();
  const body = parseJson(ctx, await readBody(ctx.req));
  if (body === undefined) return;
  ctx.entry.body = body;
  if (!env.authorized(ctx)) return;
  const input = body?.input;
  if (typeof input !== 'string' || !input.trim()) return ctx.json(400, openAiError("Invalid 'input': string too short. Expected a string with minimum length 1.", 'invalid_request_error', 'string_below_min_length', 'input'));
  if (input.length > 4096) return ctx.json(400, openAiError("Invalid 'input': string too long. Expected a string with maximum length 4096.", 'invalid_request_error', 'string_above_max_length', 'input'));
  const format = body.response_format ?? 'mp3';
  if (format !== 'pcm' && format !== 'wav') return ctx.json(400, openAiError(`response_format '${format}' is not supported by the local provider server; use 'pcm' or 'wav'.`, 'invalid_request_error', 'unsupported_value', 'response_format'));
  const script = state.tts.shift();
  if (script?.delayMs) await sleep(script.delayMs, ctx.signal);
  if (ctx.signal.aborted) return;
  const fault = script?.fault;
  if (fault?.kind === 'status') return sendStatusFault(ctx, fault);
  if (fault?.kind === 'hang') return hang(ctx);
  if (fault?.kind === 'mp3' || fault?.kind === 'noise') return wrongBody(ctx, fault);
  const voice = typeof body.voice === 'string' ? body.voice : 'alloy';
  const speed = typeof body.speed === 'number' && body.speed >= 0.25 && body.speed <= 4 ? body.speed : 1;
  let pcm;
  try { pcm = await env.espeak(input, voice, speed); } catch (e) {
    return ctx.json(500, openAiError(`Speech synthesis failed: ${/** @type {Error} */ (e).message}`, 'server_error', 'tts_unavailable'));
  }
  if (ctx.signal.aborted) return;
  if (state.config.ttsLevelDb != null) pcm = atLevel(pcm, state.config.ttsLevelDb);
  if (state.config.ttsUnderlayDb != null) pcm = withUnderlay(pcm, state.config.ttsUnderlayDb);
  let audio = pcm;
  if (format === 'wav') {
    const h = Buffer.alloc(44);
    h.write('RIFF', 0, 'latin1'); h.writeUInt32LE(36 + pcm.length, 4); h.write('WAVEfmt ', 8, 'latin1');
    h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(TTS_RATE, 24);
    h.writeUInt32LE(TTS_RATE * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36, 'latin1'); h.writeUInt32LE(pcm.length, 40);
    audio = Buffer.concat([h, pcm]);
  }
  const bps = script?.bytesPerSecond ?? state.config.ttsBytesPerSecond;
  const cutAt = fault?.kind === 'cut' || fault?.kind === 'stall' ? fault.afterBytes : Infinity;
  const sse = body.stream_format === 'sse';
  const step = sse ? 4800 : env.chunkBytes; // SSE payloads stay whole samples, as OpenAI's do
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
      await sleep(FAULT_GRACE_MS, ctx.signal);
      return fault.kind === 'stall' ? hang(ctx) : ctx.destroy();
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

/**
 * s16le `pcm` scaled so that its speech (the 10 ms windows within 30 dB of the loudest)
 * has an RMS of `levelDb` dBFS, clipped to full scale: the agent's voice at a known level
 * for the barge-in matrix (espeak-ng's own level depends on the voice and the text).
 */
export function atLevel(pcm, levelDb) {
  const n = pcm.length >> 1;
  const win = Math.round(TTS_RATE / 100);
  const windows = [];
  for (let i = 0; i + win <= n; i += win) {
    let sum = 0;
    for (let k = i; k < i + win; k++) sum += (pcm.readInt16LE(2 * k) / 32768) ** 2;
    windows.push(sum / win);
  }
  const loudest = Math.max(0, ...windows);
  const speech = windows.filter((p) => p > 0 && p >= loudest * 1e-3);
  if (!speech.length) return pcm;
  const rms = Math.sqrt(speech.reduce((a, b) => a + b, 0) / speech.length);
  const gain = 10 ** (levelDb / 20) / rms;
  const out = Buffer.alloc(pcm.length);
  for (let k = 0; k < n; k++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(pcm.readInt16LE(2 * k) * gain))), 2 * k);
  return out;
}

/** s16le `pcm` plus a steady 220 Hz sine of RMS `levelDb` dBFS, clipped to full scale. */
export function withUnderlay(pcm, levelDb) {
  const n = pcm.length >> 1;
  const amp = Math.SQRT2 * 10 ** (levelDb / 20) * 32768;
  const out = Buffer.alloc(pcm.length);
  for (let k = 0; k < n; k++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(pcm.readInt16LE(2 * k) + amp * Math.sin((2 * Math.PI * 220 * k) / TTS_RATE)))), 2 * k);
  return out;
}

/**
 * A 200 with the wrong bytes: MP3 (an ID3v2 tag, then MPEG-1 Layer III frames whose payload
 * is pseudo-random, as compressed audio looks) or plain noise, under `contentType`.
 */
async function wrongBody(ctx, fault) {
  const random = mulberry32(0x3e3);
  const payload = Buffer.alloc(48000);
  for (let i = 0; i < payload.length; i++) payload[i] = Math.floor(random() * 256);
  let body = payload;
  if (fault.kind === 'mp3') {
    const id3 = Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
    // 128 kbps, 44.1 kHz frames: 417 bytes each, starting with the FF FB sync word.
    for (let off = 0; off + 417 <= payload.length; off += 417) payload.set([0xff, 0xfb, 0x90, 0x64], off);
    body = Buffer.concat([id3, payload]);
  }
  const type = fault.contentType ?? (fault.kind === 'mp3' ? 'audio/mpeg' : 'application/octet-stream');
  ctx.res.writeHead(200, { 'content-type': type });
  for (let off = 0; off < body.length; off += 4801) {
    if (!(await ctx.write(body.subarray(off, off + 4801)))) return;
  }
  ctx.end();
}
