// Fixture truth: where speech is in the fake-mic WAV (sample-exact), and where the WAV
// landed on the AudioContext's frame clock (by correlating its envelope with the mic tap's).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWavMono } from '../../scripts/wav-bounds.mjs';
import { FIXTURES } from './env.mjs';
import { linearFit } from './stats.mjs';

const FLOOR = 0.01; // −40 dBFS: the threshold make-fixtures measures its bounds with

/**
 * Speech regions of a fixture, refined from make-fixtures' 10 ms windows to the first and
 * last sample above −40 dBFS, with the 1 ms RMS envelope for alignment.
 */
export function loadFixture(name) {
  const meta = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
  const { sampleRate: sr, samples } = readWavMono(join(FIXTURES, `${name}.wav`));
  const speech = meta.speech.map((s) => {
    let a = Math.max(0, Math.round((s.startSec - 0.011) * sr));
    while (a < samples.length && Math.abs(samples[a]) <= FLOOR) a++;
    let b = Math.min(samples.length, Math.round((s.endSec + 0.011) * sr));
    while (b > a && Math.abs(samples[b - 1]) <= FLOOR) b--;
    return { startSec: a / sr, endSec: b / sr, text: s.text };
  });
  const W = Math.round(sr / 1000);
  const env = new Float32Array(Math.floor(samples.length / W));
  for (let j = 0; j < env.length; j++) {
    let acc = 0;
    for (let i = j * W; i < (j + 1) * W; i++) acc += samples[i] * samples[i];
    env[j] = Math.sqrt(acc / W);
  }
  return { name, sampleRate: sr, durationSec: samples.length / sr, speech, env };
}

/**
 * Finds A, the context frame at which fixture time 0 entered the graph, such that the mic
 * tap's envelope best matches the fixture's: fixture time τ ↔ frame A + τ·sr. Searched
 * ±600 ms around `guessFrame` (capture start) in 1 ms steps, then ±1 ms in 1-sample steps.
 */
export function alignFixture(fixture, micEnv, sr, guessFrame) {
  const { W, baseFrame, values } = micEnv;
  const fix = fixture.env;
  const score = (A) => {
    let s = 0;
    for (let j = 0; j < values.length; j++) {
      const ms = ((baseFrame + (j + 0.5) * W - A) / sr) * 1000;
      const k = Math.floor(ms);
      if (k >= 0 && k < fix.length) s += values[j] * fix[k];
    }
    return s;
  };
  let best = { A: guessFrame, s: -Infinity };
  const step = sr / 1000;
  for (let d = -600; d <= 600; d++) {
    const A = guessFrame + d * step;
    const s = score(A);
    if (s > best.s) best = { A, s };
  }
  const coarse = best.A;
  for (let d = -step; d <= step; d += 4) {
    const s = score(coarse + d);
    if (s > best.s) best = { A: coarse + d, s };
  }
  return Math.round(best.A);
}

/**
 * A again, for one stretch of the fixture (`fromSec`…`toSec`): searched ±`rangeMs` around
 * the whole-file `A` in 1 ms steps, then ±1 ms in 4-sample steps. Under load the fake mic
 * can drop or repeat a few ms of the file, after which the whole-file offset is wrong by
 * that much for the rest of it; each onset is measured from its own stretch.
 */
export function alignStretch(fixture, micEnv, sr, A0, fromSec, toSec, rangeMs = 300) {
  const { W, baseFrame, values } = micEnv;
  const fix = fixture.env;
  const k0 = Math.max(0, Math.floor(fromSec * 1000));
  const k1 = Math.min(fix.length, Math.ceil(toSec * 1000));
  const score = (A) => {
    let s = 0;
    // Only the mic envelope entries that land in the stretch for offsets within range.
    const j0 = Math.max(0, Math.floor(((A - baseFrame) / W) + (k0 * sr) / 1000 / W) - 1);
    const j1 = Math.min(values.length, Math.ceil(((A - baseFrame) / W) + (k1 * sr) / 1000 / W) + 1);
    for (let j = j0; j < j1; j++) {
      const k = Math.floor(((baseFrame + (j + 0.5) * W - A) / sr) * 1000);
      if (k >= k0 && k < k1) s += values[j] * fix[k];
    }
    return s;
  };
  let best = { A: A0, s: -Infinity };
  const step = sr / 1000;
  for (let d = -rangeMs; d <= rangeMs; d++) {
    const s = score(A0 + d * step);
    if (s > best.s) best = { A: A0 + d * step, s };
  }
  const coarse = best.A;
  for (let d = -step; d <= step; d += 4) {
    const s = score(coarse + d);
    if (s > best.s) best = { A: coarse + d, s };
  }
  return Math.round(best.A);
}

/** performance.now() ms -> context frame, fitted on [perfMs, contextTime] pairs; with its residuals. */
export function clockMap(pairs, sr) {
  const ts = pairs.map((p) => p[0]);
  const fs = pairs.map((p) => p[1] * sr);
  const { a, b } = linearFit(ts, fs);
  const residualMs = pairs.map((p, i) => ((fs[i] - (a + b * ts[i])) / sr) * 1000);
  return {
    toFrame: (t) => a + b * t,
    toMs: (frame) => (frame - a) / b,
    residualP95Ms: [...residualMs].map(Math.abs).sort((x, y) => x - y)[Math.floor(residualMs.length * 0.95)] ?? NaN,
  };
}
