#!/usr/bin/env node
// Minimal WAV reader + energy-based activity bounds, used by make-fixtures.mjs
// to measure (not assume) where speech/clicks are in the generated fixtures.
//
// CLI: node scripts/wav-bounds.mjs file.wav [more.wav ...]
//      prints {file, sampleRate, durationSec, bounds:[{startSec,endSec}]} as JSON.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Parse a RIFF/WAVE file without assuming a 44-byte header: walks the chunk
 * list for `fmt ` and `data` (skipping LIST/fact/etc., honouring pad bytes).
 * Supports PCM 8/16/24/32-bit int and 32/64-bit float, incl. WAVE_FORMAT_EXTENSIBLE.
 * Multi-channel input is averaged to mono. Samples are scaled so full scale = 1.0.
 * @param {string} path
 * @returns {{sampleRate:number, samples:Float32Array}}
 */
export function readWavMono(path) {
  const buf = readFileSync(path);
  const fail = (msg) => { throw new Error(`${path}: ${msg}`); };
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    fail('not a RIFF/WAVE file');
  }
  let fmt = null;
  let dataOff = -1;
  let dataLen = 0;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16) fail('fmt chunk too short');
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 26) format = buf.readUInt16LE(body + 24); // EXTENSIBLE: SubFormat GUID starts with the tag
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      // Streaming writers (espeak-ng, sox to a pipe) may leave a placeholder size; clamp to the file.
      if (size > buf.length - body) size = buf.length - body;
      dataOff = body;
      dataLen = size;
      if (fmt) break;
    }
    off = body + size + (size & 1);
  }
  if (!fmt) fail('no fmt chunk');
  if (dataOff < 0) fail('no data chunk');
  const { format, channels, sampleRate, bits } = fmt;
  const bytes = bits / 8;
  const blockAlign = fmt.blockAlign || channels * bytes;
  if (!channels || !Number.isInteger(bytes) || bytes < 1) fail(`unsupported fmt (channels=${channels}, bits=${bits})`);
  let read;
  if (format === 1) {
    if (bytes === 1) read = (o) => (buf[o] - 128) / 128;
    else if (bytes === 2) read = (o) => buf.readInt16LE(o) / 32768;
    else if (bytes === 3) read = (o) => buf.readIntLE(o, 3) / 8388608;
    else if (bytes === 4) read = (o) => buf.readInt32LE(o) / 2147483648;
    else fail(`unsupported PCM bit depth ${bits}`);
  } else if (format === 3) {
    if (bytes === 4) read = (o) => buf.readFloatLE(o);
    else if (bytes === 8) read = (o) => buf.readDoubleLE(o);
    else fail(`unsupported float bit depth ${bits}`);
  } else {
    fail(`unsupported format tag 0x${format.toString(16)}`);
  }
  const frames = Math.floor(dataLen / blockAlign);
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const base = dataOff + i * blockAlign;
    let acc = 0;
    for (let c = 0; c < channels; c++) acc += read(base + c * bytes);
    samples[i] = acc / channels;
  }
  return { sampleRate, samples };
}

/** Seconds with 3 decimals, from an exact sample index. */
export const toSec = (sample, sampleRate) => Math.round((sample * 1000) / sampleRate) / 1000;

/**
 * Activity regions by windowed RMS. A window (windowMs, non-overlapping, aligned to
 * sample 0; a trailing partial window is measured over its actual length) is active
 * when RMS > threshold. A region starts at the first sample of its first active window
 * and ends at the end of its last active window; active windows separated by a gap
 * shorter than mergeGapMs are merged into one region.
 * @param {Float32Array|number[]} samples mono, full scale = 1.0
 * @param {number} sampleRate
 * @param {{threshold?:number, windowMs?:number, mergeGapMs?:number}} [opts]
 * @returns {{startSec:number, endSec:number}[]}
 */
export function speechBounds(samples, sampleRate, { threshold = 0.01, windowMs = 10, mergeGapMs = 400 } = {}) {
  return activeRegions(samples, sampleRate, { threshold, windowMs, mergeGapMs }).map(({ start, end }) => ({
    startSec: toSec(start, sampleRate),
    endSec: toSec(end, sampleRate),
  }));
}

/** Same as speechBounds but in samples: [{start, end}] with end exclusive. */
export function activeRegions(samples, sampleRate, { threshold = 0.01, windowMs = 10, mergeGapMs = 400 } = {}) {
  const win = Math.max(1, Math.round((sampleRate * windowMs) / 1000));
  const mergeGap = Math.round((sampleRate * mergeGapMs) / 1000);
  const thrSq = threshold * threshold;
  const n = samples.length;
  const regions = [];
  let cur = null;
  for (let s = 0; s < n; s += win) {
    const e = Math.min(s + win, n);
    let sum = 0;
    for (let i = s; i < e; i++) sum += samples[i] * samples[i];
    if (sum / (e - s) <= thrSq) continue;
    if (cur && s - cur.end < mergeGap) cur.end = e;
    else regions.push((cur = { start: s, end: e }));
  }
  return regions;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error('usage: node scripts/wav-bounds.mjs file.wav [more.wav ...]');
    process.exit(2);
  }
  const out = files.map((file) => {
    const { sampleRate, samples } = readWavMono(file);
    return { file, sampleRate, durationSec: toSec(samples.length, sampleRate), bounds: speechBounds(samples, sampleRate) };
  });
  console.log(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
}
