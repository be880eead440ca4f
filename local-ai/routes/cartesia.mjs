// Cartesia `/tts/websocket` messages (spec/protocols.md §8; tts-ws.mjs runs the socket).
// Per context: transcripts are concatenated verbatim; text is spoken at each sentence end, on
// `flush`, and at `continue: false` (after which `done` follows). `cancel` stops a context at
// once (no `done`). Frames: `chunk` (base64 pcm_s16le or pcm_f32le), `timestamps` for words
// whose audio has gone out (with `add_timestamps`), `done`, and `error` for a bad request.
import { audioFrames, s16ToF32 } from '../tts-frames.mjs';

const RATES = new Set([8000, 16000, 22050, 24000, 44100, 48000]);
const SENTENCE_END = /[.!?]\s+(?=\S)|[.!?]\s+$/g;

export function cartesiaSocket(ctx) {
  const script = ctx.script;
  const contexts = new Map();
  let work = Promise.resolve();

  function error(context_id, status_code, title, message) {
    ctx.send({ type: 'error', context_id, status_code, title, message, error_code: 'invalid_request', done: true });
  }

  /** Why a request is refused, or null. */
  function invalid(msg) {
    if (typeof msg.model_id !== 'string' || !msg.model_id) return 'model_id is required';
    if (msg.voice?.mode !== 'id' || typeof msg.voice?.id !== 'string') return 'voice must be {"mode": "id", "id": …}';
    const f = msg.output_format;
    if (f?.container !== 'raw') return 'the local provider server speaks only output_format.container "raw"';
    if (f.encoding !== 'pcm_s16le' && f.encoding !== 'pcm_f32le') return `the local provider server speaks only pcm_s16le and pcm_f32le, not ${f.encoding}`;
    if (!RATES.has(f.sample_rate)) return `unsupported sample_rate ${f.sample_rate}`;
    if (typeof msg.transcript !== 'string') return 'transcript is required';
    return null;
  }

  function speak(c, piece) {
    work = work.then(async () => {
      if (!piece.trim() || c.cancelled || !ctx.open) return;
      const pcm = await ctx.espeak(piece, c.voice, c.speed);
      const words = [...piece.matchAll(/\S+/g)];
      let next = 0;
      const list = audioFrames(pcm, c.rate, piece, script.chunkMs ?? 100);
      const pieceSec = list.at(-1).endSec;
      for (const f of list) {
        const wait = c.started ? script.chunkDelayMs : script.firstAudioDelayMs;
        c.started = true;
        if (wait) await ctx.sleep(wait);
        if (c.cancelled || !ctx.open) return;
        const data = (c.encoding === 'pcm_f32le' ? s16ToF32(f.pcm) : f.pcm).toString('base64');
        if (!ctx.send({ type: 'chunk', context_id: c.id, data, done: false, status_code: 206, step_time: 40.5 })) return;
        c.log.samples += f.pcm.length / 2;
        ctx.audioSent();
        // Words whose last character is covered by the audio sent so far.
        const done = [];
        while (next < words.length && words[next].index + words[next][0].length <= f.to) done.push(words[next++]);
        if (c.timestamps && done.length && ctx.open) {
          const t = (w) => c.offsetSec + ((w.index + w[0].length) / piece.length) * pieceSec;
          const s = (w) => c.offsetSec + (w.index / piece.length) * pieceSec;
          ctx.send({ type: 'timestamps', context_id: c.id, status_code: 206, done: false, word_timestamps: { words: done.map((w) => w[0]), start: done.map(s), end: done.map(t) } });
          c.log.spoken += done.map((w) => `${w[0]} `).join('');
        }
      }
      c.offsetSec += pieceSec;
    });
  }

  function finish(c) {
    work = work.then(() => {
      if (c.cancelled || !ctx.open) return;
      ctx.send({ type: 'done', context_id: c.id, done: true, status_code: 200 });
      c.log.final = true;
    });
  }

  return {
    message(msg) {
      const id = typeof msg.context_id === 'string' ? msg.context_id : null;
      if (msg.cancel === true) {
        const c = id && contexts.get(id);
        if (c) c.cancelled = c.log.cancelled = true;
        return;
      }
      const why = invalid(msg);
      if (why) return error(id, 400, 'Invalid request', why);
      let c = id && contexts.get(id);
      if (c?.ended) return error(id, 400, 'Context closed', `context ${id} has ended; a context cannot be continued after continue: false`);
      if (!c) {
        const cid = id ?? `ctx-${Math.random().toString(36).slice(2, 8)}`;
        const log = { text: '', spoken: '', samples: 0, flushed: false, cancelled: false, final: false, requests: 0 };
        ctx.body.contexts[cid] = log;
        c = { id: cid, log, buffer: '', started: false, cancelled: false, ended: false, offsetSec: 0, voice: msg.voice.id, speed: msg.generation_config?.speed ?? 1, rate: msg.output_format.sample_rate, encoding: msg.output_format.encoding, timestamps: msg.add_timestamps === true };
        contexts.set(cid, c);
      }
      c.log.requests++;
      c.buffer += msg.transcript;
      c.log.text += msg.transcript;
      if (msg.continue !== true || msg.flush === true) {
        if (msg.flush === true) c.log.flushed = true;
        speak(c, c.buffer);
        c.buffer = '';
        if (msg.continue !== true) {
          c.ended = true;
          finish(c);
        }
        return;
      }
      // Spoken up to the last sentence end.
      let cut = -1;
      for (const m of c.buffer.matchAll(SENTENCE_END)) cut = m.index + m[0].length;
      if (cut > 0) {
        speak(c, c.buffer.slice(0, cut));
        c.buffer = c.buffer.slice(cut);
      }
    },
  };
}
