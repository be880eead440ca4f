// POST /v1/audio/transcriptions (protocols.md §3.2): multipart WAV in; an honest report of
// the speech's length (no recognizer ships offline) or a scripted transcript, with faults.
import { parseWav } from '../../scripts/wav.mjs';
import { textPieces } from '../brain.mjs';
import { FAULT_GRACE_MS, hang, openAiError, sendStatusFault } from '../faults.mjs';
import { parseMultipart, readBody, sleep, startSse, writeEvent } from '../http.mjs';

/** @param {{ state(): any, authorized(ctx: any): boolean }} env */
export async function transcriptions(ctx, env) {
  const state = env.state();
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
  if (!env.authorized(ctx)) return;
  if (!model) return ctx.json(400, openAiError('you must provide a model parameter', 'invalid_request_error', null, 'model'));
  if (!file) return ctx.json(400, openAiError("Missing required parameter: 'file'.", 'invalid_request_error', 'missing_required_parameter', 'file'));
  if (!wav) return ctx.json(400, openAiError("Invalid file format. The local provider server only decodes WAV (RIFF, PCM).", 'invalid_request_error', 'invalid_value', 'file'));
  const script = state.stt.shift();
  if (script?.delayMs) await sleep(script.delayMs, ctx.signal);
  if (ctx.signal.aborted) return;
  if (script?.fault?.kind === 'status') return sendStatusFault(ctx, script.fault);
  if (script?.fault?.kind === 'hang') return hang(ctx);
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
      await sleep(FAULT_GRACE_MS, ctx.signal);
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
