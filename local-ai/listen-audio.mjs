// The "recognizer" of the local Deepgram look-alike (routes/listen-v1.mjs, listen-v2.mjs).
// No speech model ships offline, so words come from the audio by one of three rules:
//   pitch       each tone burst is one word; its pitch picks which word of the script
//               (400 Hz = word 0, +100 Hz per word). The transcript is then a function of
//               the audio itself: audio a client loses is a word the transcript misses.
//   sequential  the script's words in order, one per `wordMs` of voiced audio (real speech).
//   report      no script: each burst of speech becomes "(0.8 s of speech)", honestly.
// Speech is an energy threshold on 10 ms windows (RMS > 0.01). Everything is in audio time
// (samples received), never wall time, so results do not depend on how fast audio arrives.

export const TONE_BASE_HZ = 400;
export const TONE_STEP_HZ = 100;
const WINDOW_SEC = 0.01;
const THRESHOLD = 0.01;

/** Splits a script text into words: `punctuated` as written, `word` lower case without punctuation. */
export function scriptWords(text) {
  return String(text ?? '').split(/\s+/).filter(Boolean).map((punctuated) => ({ punctuated, word: punctuated.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, '') || punctuated }));
}

/**
 * Test audio in the pitch code: word `i` of the script is a tone at 400 + 100·i Hz.
 * @param {number[]} indices Which script words, in order.
 * @param {{ rate?: number, wordMs?: number, gapMs?: number, leadMs?: number, tailMs?: number, amplitude?: number }} [o]
 * @returns {Float32Array} leadMs of silence, each word (wordMs, default 250) followed by gapMs (default 80), tailMs of silence.
 */
export function toneWords(indices, o = {}) {
  const rate = o.rate ?? 16000;
  const n = (ms) => Math.round((ms / 1000) * rate);
  const word = n(o.wordMs ?? 250);
  const gap = n(o.gapMs ?? 80);
  const lead = n(o.leadMs ?? 100);
  const out = new Float32Array(lead + indices.length * (word + gap) + n(o.tailMs ?? 0));
  let at = lead;
  for (const i of indices) {
    const f = TONE_BASE_HZ + TONE_STEP_HZ * i;
    for (let k = 0; k < word; k++) out[at + k] = (o.amplitude ?? 0.3) * Math.sin((2 * Math.PI * f * k) / rate);
    at += word + gap;
  }
  return out;
}

/**
 * Streams s16le audio through the energy detector and the word rule.
 * @param {{ rate: number, text?: string | null, wordCode?: 'pitch' | 'sequential', wordMs?: number }} o
 * @param {(w: { t: number, voiced: boolean, onset: boolean, quietMs: number, inBurst: boolean, silenceMs: number,
 *   words: { word: string, punctuated: string, start: number, end: number }[] }) => void} onWindow
 *   Called for every 10 ms window: `t` its end (s), `onset` the first voiced window of a burst,
 *   `quietMs` the silence before this window (Infinity at the start), `silenceMs` since the
 *   last voiced window, `words` revealed in this window.
 */
export function createListener(o, onWindow) {
  const win = Math.round(o.rate * WINDOW_SEC);
  const script = scriptWords(o.text);
  const mode = o.text == null ? 'report' : (o.wordCode ?? 'sequential');
  const gapMs = mode === 'pitch' ? 30 : 200; // silence that ends a burst
  let carry = null; // odd byte
  const buf = new Float32Array(win);
  let fill = 0;
  let windows = 0;
  let silenceMs = Infinity;
  let inBurst = false;
  let burst = { start: 0, end: 0, crossings: 0, voicedSamples: 0, prev: 0 };
  let nextWord = 0; // sequential
  let voicedAcc = 0;
  let wordStart = 0;

  function endBurst(words) {
    inBurst = false;
    const dur = burst.end - burst.start;
    if (mode === 'pitch') {
      if (dur < 0.04) return;
      const hz = burst.crossings / (2 * (burst.voicedSamples / o.rate));
      const w = script[Math.round((hz - TONE_BASE_HZ) / TONE_STEP_HZ)];
      if (w) words.push({ ...w, start: burst.start, end: burst.end });
    } else if (mode === 'report') {
      const text = `(${dur.toFixed(1)} s of speech)`;
      words.push({ word: text, punctuated: text, start: burst.start, end: burst.end });
    }
  }

  function windowDone() {
    windows++;
    const t = (windows * win) / o.rate;
    let sum = 0;
    for (let i = 0; i < win; i++) sum += buf[i] * buf[i];
    const voiced = Math.sqrt(sum / win) > THRESHOLD;
    const words = [];
    let onset = false;
    const quietMs = silenceMs;
    if (voiced) {
      if (!inBurst) {
        onset = silenceMs >= gapMs;
        if (onset) burst = { start: t - WINDOW_SEC, end: t, crossings: 0, voicedSamples: 0, prev: 0 };
        inBurst = true;
      }
      for (let i = 0; i < win; i++) {
        if ((buf[i] >= 0) !== (burst.prev >= 0)) burst.crossings++;
        burst.prev = buf[i];
      }
      burst.voicedSamples += win;
      burst.end = t;
      silenceMs = 0;
      if (mode === 'sequential' && nextWord < script.length) {
        if (voicedAcc === 0) wordStart = t - WINDOW_SEC;
        voicedAcc += WINDOW_SEC * 1000;
        if (voicedAcc >= (o.wordMs ?? 300)) {
          words.push({ ...script[nextWord++], start: wordStart, end: t });
          voicedAcc = 0;
        }
      }
    } else {
      silenceMs = silenceMs === Infinity ? Infinity : silenceMs + WINDOW_SEC * 1000;
      if (inBurst && silenceMs >= gapMs) endBurst(words);
    }
    onWindow({ t, voiced, onset, quietMs, inBurst, silenceMs, words });
  }

  return {
    /** @param {Buffer} bytes s16le */
    push(bytes) {
      let i = 0;
      if (carry !== null && bytes.length > 0) {
        buf[fill++] = ((((carry | (bytes[0] << 8)) << 16) >> 16) / 32768);
        carry = null;
        i = 1;
        if (fill === win) { windowDone(); fill = 0; }
      }
      for (; i + 1 < bytes.length; i += 2) {
        buf[fill++] = (((bytes[i] | (bytes[i + 1] << 8)) << 16) >> 16) / 32768;
        if (fill === win) { windowDone(); fill = 0; }
      }
      if (i < bytes.length) carry = bytes[i];
    },
    /** Ends a burst in progress (Finalize, CloseStream): its word counts now. */
    flush() {
      const words = [];
      if (inBurst) endBurst(words);
      if (mode === 'sequential' && voicedAcc > 0 && nextWord < script.length) {
        words.push({ ...script[nextWord++], start: wordStart, end: this.time });
        voicedAcc = 0;
      }
      return words;
    },
    /** Seconds of audio received. */
    get time() { return (windows * win + fill) / o.rate; },
  };
}
