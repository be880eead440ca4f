// Deepgram Flux `/v2/listen`, spec/protocols.md §12.2: Connected, then TurnInfo events
// StartOfTurn (speech onset), Update (words), EagerEndOfTurn / EndOfTurn as the end-of-turn
// confidence crosses `eager_eot_threshold` / `eot_threshold` (or `eot_timeout_ms` passes),
// TurnResumed when speech comes back after an EagerEndOfTurn. The confidence here is simply
// the silence since the last voiced audio: 1 s of silence = 1.0. CloseStream as the docs
// describe it: a last Update, no EndOfTurn, no Metadata, a close frame without status code.
import { createListener } from '../listen-audio.mjs';

const sec = (x) => Math.fround(Math.round(x * 1000) / 1000);
const SILENCE_FOR_CERTAINTY_MS = 1000;

/** @param {URLSearchParams} q @returns {string | null} */
export function validateV2(q) {
  if (q.get('encoding') && q.get('encoding') !== 'linear16') return `The local server decodes only linear16, not ${q.get('encoding')}.`;
  for (const k of ['eot_threshold', 'eager_eot_threshold']) {
    const v = q.get(k);
    if (v !== null && !(Number(v) >= 0 && Number(v) <= 1)) return `${k} must be between 0 and 1.`;
  }
  return null;
}

export function listenV2(ctx) {
  const q = ctx.query;
  const rate = Number(q.get('sample_rate') ?? 16000);
  const eot = Number(q.get('eot_threshold') ?? 0.7);
  const eager = q.get('eager_eot_threshold') !== null ? Number(q.get('eager_eot_threshold')) : null;
  const timeoutMs = Number(q.get('eot_timeout_ms') ?? 5000);
  const script = ctx.script;
  let seq = 0;
  let turnIndex = 0;
  let inTurn = false;
  let turnStart = 0;
  /** @type {{ word: string, punctuated: string }[]} */
  let words = [];
  let eagerSent = false;

  const turnInfo = (event, t, confidence) => ctx.send({
    type: 'TurnInfo', event, turn_index: turnIndex, audio_window_start: sec(turnStart), audio_window_end: sec(t),
    transcript: words.map((w) => w.punctuated).join(' '), words: words.map((w) => ({ word: w.word, confidence: sec(0.97) })),
    end_of_turn_confidence: sec(confidence), sequence_id: ++seq,
  });
  function endTurn(t, confidence) {
    turnInfo('EndOfTurn', t, confidence);
    turnIndex++;
    inTurn = false;
    words = [];
    eagerSent = false;
  }

  ctx.send({ type: 'Connected', request_id: ctx.requestId, sequence_id: 0 });
  const listener = createListener({ rate, text: 'text' in script ? script.text : null, wordCode: script.wordCode, wordMs: script.wordMs }, (w) => {
    if (w.onset) {
      if (!inTurn) {
        inTurn = true;
        turnStart = w.t - 0.01;
        turnInfo('StartOfTurn', w.t, 0);
      } else if (eagerSent) {
        eagerSent = false;
        turnInfo('TurnResumed', w.t, 0);
      }
    }
    if (w.words.length) {
      words.push(...w.words);
      turnInfo('Update', w.t, 0);
      ctx.wordsRevealed(w.words.length);
    }
    if (!inTurn || w.voiced || w.inBurst) return;
    const confidence = Math.min(1, w.silenceMs / SILENCE_FOR_CERTAINTY_MS);
    if (words.length && eager !== null && !eagerSent && confidence >= eager && confidence < eot) {
      eagerSent = true;
      turnInfo('EagerEndOfTurn', w.t, confidence);
    }
    if ((words.length && confidence >= eot) || w.silenceMs >= timeoutMs) endTurn(w.t, confidence);
  });

  return {
    audio: (buf) => listener.push(buf),
    /** Flux decodes what it has (a last Update), does not end the turn, and closes with no status code. */
    closeStream() {
      const rest = listener.flush();
      if (rest.length) {
        words.push(...rest);
        turnInfo('Update', listener.time, 0);
      }
      return { code: undefined };
    },
  };
}
