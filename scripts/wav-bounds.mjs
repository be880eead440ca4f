#!/usr/bin/env node
// Energy-based activity bounds, used by make-fixtures.mjs to measure (not assume) where
// speech/clicks are in the generated fixtures. WAV reading lives in wav.mjs.
//
// CLI: node scripts/wav-bounds.mjs file.wav [more.wav ...]
//      prints {file, sampleRate, durationSec, bounds:[{startSec,endSec}]} as JSON.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWavMono } from './wav.mjs';

export { readWavMono };

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
