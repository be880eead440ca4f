// Deepgram live `/v1/listen` (Nova), spec/protocols.md §5: linear16 audio in; Results
// (interim, then is_final, speech_final after `endpointing` ms of silence), SpeechStarted
// (vad_events), UtteranceEnd (utterance_end_ms after the last word), Metadata on CloseStream.
// Words come from listen-audio.mjs; times are audio time of this connection.
import { createHash, randomUUID } from 'node:crypto';
import { createListener } from '../listen-audio.mjs';

const MODEL_INFO = { name: 'general-nova-3', version: '2025-04-17.21547', arch: 'nova-3' };
/** Seconds as Deepgram writes them: float32-ish. */
const sec = (x) => Math.fround(Math.round(x * 1000) / 1000);
/** Without speech, a segment is closed with an empty final every this many seconds (as Deepgram does). */
const EMPTY_FINAL_SEC = 1;
/** SpeechStarted needs this much silence before it (not every short gap between words). */
const SPEECH_STARTED_QUIET_MS = 300;

/** @param {URLSearchParams} q @returns {string | null} why the handshake is refused */
export function validateV1(q) {
  if (q.get('encoding') && q.get('encoding') !== 'linear16') return `The local server decodes only linear16, not ${q.get('encoding')}.`;
  if (q.get('encoding') && !q.get('sample_rate')) return 'sample_rate is required with encoding.';
  if ((q.get('channels') ?? '1') !== '1') return 'The local server takes mono audio only.';
  if (q.get('utterance_end_ms') && q.get('interim_results') !== 'true') return 'utterance_end_ms requires interim_results=true.';
  return null;
}

export function listenV1(ctx) {
  const q = ctx.query;
  const rate = Number(q.get('sample_rate') ?? 16000);
  const interim = q.get('interim_results') === 'true';
  const endpointing = q.get('endpointing') === 'false' ? null : Number(q.get('endpointing') ?? 10);
  const utteranceEndMs = q.get('utterance_end_ms') ? Number(q.get('utterance_end_ms')) : null;
  const vadEvents = q.get('vad_events') === 'true';
  const formatted = q.get('smart_format') === 'true' || q.get('punctuate') === 'true';
  const script = ctx.script;
  const metadata = { request_id: ctx.requestId, model_info: MODEL_INFO, model_uuid: randomUUID() };

  let segStart = 0;
  /** @type {{ word: string, punctuated: string, start: number, end: number }[]} */
  let seg = [];
  let lastWordEnd = null;
  let utteranceEndDue = false;

  function results(end, isFinal, speechFinal, fromFinalize) {
    const words = seg.map((w, i) => ({
      word: w.word, start: sec(w.start), end: sec(w.end), confidence: sec(0.97 + 0.005 * (i % 5)),
      ...(formatted ? { punctuated_word: w.punctuated } : {}),
    }));
    const transcript = seg.map((w) => (formatted ? w.punctuated : w.word)).join(' ');
    ctx.send({
      type: 'Results', channel_index: [0, 1], duration: sec(end - segStart), start: sec(segStart), is_final: isFinal, speech_final: speechFinal,
      channel: { alternatives: [{ transcript, confidence: seg.length ? sec(0.98) : 0, words }] }, metadata, from_finalize: fromFinalize,
    });
    if (isFinal) {
      segStart = end;
      seg = [];
    }
  }
  function addWords(words, t) {
    if (!words.length) return;
    seg.push(...words);
    lastWordEnd = words.at(-1).end;
    utteranceEndDue = utteranceEndMs !== null;
    if (interim) results(t, false, false, false);
    ctx.wordsRevealed(words.length);
    if (script.finalEveryWords && seg.length >= script.finalEveryWords) results(t, true, false, false);
  }

  const listener = createListener({ rate, text: 'text' in script ? script.text : null, wordCode: script.wordCode, wordMs: script.wordMs }, (w) => {
    if (w.onset && w.quietMs >= SPEECH_STARTED_QUIET_MS && vadEvents) ctx.send({ type: 'SpeechStarted', channel: [0], timestamp: sec(w.t - 0.01) });
    addWords(w.words, w.t);
    if (w.voiced || w.inBurst) return;
    if (seg.length && endpointing !== null && w.silenceMs >= endpointing) results(w.t, true, true, false);
    else if (!seg.length && w.t - segStart >= EMPTY_FINAL_SEC - 1e-9) results(w.t, true, false, false);
    if (utteranceEndDue && (w.t - lastWordEnd) * 1000 >= utteranceEndMs) {
      utteranceEndDue = false;
      ctx.send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: sec(lastWordEnd) });
    }
  });

  return {
    audio: (buf) => listener.push(buf),
    finalize() {
      addWords(listener.flush(), listener.time);
      results(listener.time, true, false, true);
    },
    closeStream() {
      addWords(listener.flush(), listener.time);
      if (seg.length) results(listener.time, true, false, false); // no endpoint was heard: not speech_final
      ctx.send({
        type: 'Metadata', transaction_key: 'deprecated', request_id: ctx.requestId,
        sha256: createHash('sha256').update(ctx.requestId).digest('hex'), created: new Date().toISOString(), duration: sec(listener.time), channels: 1,
      });
    },
  };
}
