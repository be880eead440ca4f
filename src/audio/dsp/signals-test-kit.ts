/// <reference types="node" />
// Test-only signals for the tone detectors (DTMF, beep): seeded noise, synthetic music, and
// speech from espeak-ng (a dev tool: generated here, never committed). Not part of any entry
// nor of the built declarations (*-test-kit.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../../scripts/wav.mjs';
import { concatFloat32 } from './pcm';
import { StreamResampler } from './resampler';

/** A seeded PRNG (mulberry32, the fixtures' own): the same numbers on every run. */
export const prng: (seed: number) => () => number = mulberry32;

/** Gaussian white noise of RMS `rms`. */
export function noise(n: number, rms: number, random: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(1e-12, random());
    out[i] = rms * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return out;
}

export function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return Math.sqrt(s / Math.max(1, to - from));
}

export const concat = (...parts: Float32Array[]): Float32Array => concatFloat32(parts);

/** `a + b` (b from `offset`), in place on a copy of `a`. */
export function mix(a: Float32Array, b: Float32Array, offset = 0, gain = 1): Float32Array {
  const out = a.slice();
  for (let i = 0; i < b.length && offset + i < out.length; i++) out[offset + i]! += gain * b[i]!;
  return out;
}

export function silence(seconds: number, rate: number): Float32Array {
  return new Float32Array(Math.round(seconds * rate));
}

export function sine(seconds: number, hz: number, amplitude: number, rate: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

/** One-shot resampling with the capture path's resampler. */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x;
  const r = new StreamResampler(from, to);
  const out = new Float32Array(r.maxOutputFor(x.length));
  return out.slice(0, r.processInto(x, out));
}

/**
 * Synthetic music, `seconds` long at `rate`: chords of 3–4 notes (harmonic partials, piano-like
 * decay), a vibrato melody on top, and noise-burst drums; notes anywhere from C3 to C7, so
 * many land on or near the DTMF frequencies.
 */
export function music(seconds: number, rate: number, seed: number): Float32Array {
  const random = prng(seed);
  const out = new Float32Array(Math.round(seconds * rate));
  const note = (midi: number) => 440 * 2 ** ((midi - 69) / 12);
  let at = 0;
  while (at < out.length) {
    const len = Math.round((0.12 + random() * 0.5) * rate);
    const root = 48 + Math.floor(random() * 36);
    const chord = [0, random() < 0.5 ? 3 : 4, 7, random() < 0.5 ? 12 : 10].slice(0, 3 + Math.floor(random() * 2));
    const melody = note(60 + Math.floor(random() * 36));
    const partials = 3 + Math.floor(random() * 6);
    for (let i = 0; i < len && at + i < out.length; i++) {
      const t = i / rate;
      const decay = Math.exp(-t * 3);
      let s = 0;
      for (const step of chord) {
        const f = note(root + step);
        for (let k = 1; k <= partials && k * f < rate / 2; k++) s += (0.06 / k) * decay * Math.sin(2 * Math.PI * f * k * t);
      }
      const vib = 1 + 0.006 * Math.sin(2 * Math.PI * 5.5 * t);
      for (let k = 1; k <= 4; k++) s += (0.08 / k) * Math.sin(2 * Math.PI * melody * vib * k * t);
      out[at + i] = s;
    }
    if (random() < 0.5) for (let i = 0; i < rate * 0.03 && at + i < out.length; i++) out[at + i]! += 0.2 * (random() * 2 - 1) * Math.exp(-i / (rate * 0.008));
    at += len;
  }
  return out;
}

/** True when espeak-ng and sox are on PATH. */
export const hasSpeechTools = ['espeak-ng', 'sox'].every((cmd) => !spawnSync(cmd, ['--version']).error);

/** `text` spoken by espeak-ng with `voice`, as mono samples at `rate`. */
export function speak(text: string, voice: string, rate: number, speed = 160): Float32Array {
  const wav = spawnSync('espeak-ng', ['-v', voice, '-s', String(speed), '--stdout', text], { maxBuffer: 1 << 28 }).stdout;
  const raw = spawnSync('sox', ['-t', 'wav', '-', '-r', String(rate), '-c', '1', '-t', 'f32', '-'], { input: wav, maxBuffer: 1 << 28 }).stdout;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

export const SENTENCES = [
  'Hello? Who is this? I can barely hear you, could you say that again please.',
  'Hi, you have reached the office of Doctor Smith. Please leave a message after the tone.',
  'The quick brown fox jumps over the lazy dog, and then it runs away into the forest.',
  'I would like to book a table for two tonight at around eight o clock if possible.',
  'Number one two three four five six seven eight nine zero, star and hash.',
  'Ooooh, aaaah, eeeee, mmmmm, hmmmm. Yes, well, I suppose that is fine with me.',
  'My sister is coming over for dinner tomorrow evening with her three children.',
  'Sorry, I am not available right now. Please call back later or send me an email.',
  'Could you please turn on the kitchen lights and set the heating to twenty degrees?',
  'Singing: la la la laaa, do re mi fa so la ti do, high notes and low notes.',
];
export const VOICES = ['en-us', 'en-us+f3', 'en-gb', 'en-gb-scotland+m3', 'en-029', 'en-us+f5', 'en-gb-x-rp+f2', 'en-us-nyc+m5'];

/** The e2e fixtures' audio (scripts/make-fixtures.mjs output: 48 kHz s16 WAV), when generated, but those named `skip*`. */
export function fixtureSpeech(root: string, rate: number, skip: readonly string[]): { name: string; samples: Float32Array }[] {
  const dir = join(root, 'e2e', 'fixtures', 'generated');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wav') && !skip.some((s) => f.startsWith(s)))
    .map((f) => ({ name: f, samples: resample(readWav16(readFileSync(join(dir, f))), 48000, rate) }));
}

/** A telephony fixture of make-fixtures (48 kHz) at `rate`, with the keys and beeps it holds; null when not generated. */
export function telephonyFixture(
  root: string,
  name: string,
  rate: number,
): { samples: Float32Array; keys: { digit: string; startSec: number }[]; beeps: { endSec: number; hz: number }[] } | null {
  const base = join(root, 'e2e', 'fixtures', 'generated', name);
  if (!existsSync(`${base}.wav`) || !existsSync(`${base}.json`)) return null;
  const meta = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { keys: { digit: string; startSec: number }[]; beeps: { endSec: number; hz: number }[] };
  return { samples: resample(readWav16(readFileSync(`${base}.wav`)), 48000, rate), keys: meta.keys, beeps: meta.beeps };
}

/** Mono s16 PCM of a canonical 44-byte-header WAV at 48 kHz (what make-fixtures writes). */
function readWav16(buf: Buffer): Float32Array {
  let at = 12;
  while (at + 8 <= buf.length && buf.toString('ascii', at, at + 4) !== 'data') at += 8 + buf.readUInt32LE(at + 4);
  const n = Math.floor((buf.length - at - 8) / 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(at + 8 + 2 * i) / 32768;
  return out;
}
