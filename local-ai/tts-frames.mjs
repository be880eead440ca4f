// Audio frames for the TTS sockets: espeak-ng's 24 kHz PCM at the rate asked for, cut in
// frames that each cover a proportional share of the text (for alignment and timestamps).
import { resampleS16 } from '../scripts/wav.mjs';
import { TTS_RATE } from './espeak.mjs';

/**
 * @param {Buffer} pcm24k s16le mono at TTS_RATE
 * @param {number} rate Hz wanted
 * @param {string} text what the audio says
 * @param {number} frameMs audio per frame
 * @returns {{ pcm: Buffer, from: number, to: number, startSec: number, endSec: number }[]} s16le at `rate`; text[from, to) covered; times from the piece's start
 */
export function audioFrames(pcm24k, rate, text, frameMs) {
  const pcm = resampleS16(pcm24k, TTS_RATE, rate);
  const step = Math.max(2, Math.round((rate * frameMs) / 1000) * 2);
  const n = Math.max(1, Math.ceil(pcm.length / step));
  const out = [];
  for (let i = 0; i < n; i++) {
    const a = i * step;
    const b = Math.min(pcm.length, a + step);
    out.push({ pcm: pcm.subarray(a, b), from: Math.floor((i * text.length) / n), to: Math.floor(((i + 1) * text.length) / n), startSec: a / 2 / rate, endSec: b / 2 / rate });
  }
  return out;
}

/** s16le bytes as little-endian float32 bytes. */
export function s16ToF32(pcm) {
  const out = Buffer.alloc((pcm.length >> 1) * 4);
  for (let i = 0; i < pcm.length >> 1; i++) out.writeFloatLE(pcm.readInt16LE(i * 2) / 32768, i * 4);
  return out;
}
