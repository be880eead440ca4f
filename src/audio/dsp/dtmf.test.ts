// The DTMF detector on synthesized key presses (all 16 keys, −30…−5 dBFS, ±6 dB twist, Q.24's
// 40 ms tones and pauses, noise at 10–20 dB SNR) and on what must never be a key: speech
// (espeak-ng voices and the e2e fixtures, when generated) and synthetic music.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DTMF_KEYS, DTMFDetector } from './dtmf';
import { dtmfTones } from './dtmf-tones';
import { concat, fixtureSpeech, telephonyFixture, hasSpeechTools, mix, music, noise, prng, rms, SENTENCES, silence, sine, speak, VOICES } from './signals-test-kit';

const RATE = 16000;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Digits found in `x`, fed in blocks of `block` samples, with their start (samples). */
function detect(x: Float32Array, rate = RATE, block = 512): { digit: string; at: number }[] {
  const d = new DTMFDetector(rate);
  const found: { digit: string; at: number }[] = [];
  for (let i = 0; i < x.length; i += block) d.push(x.subarray(i, Math.min(x.length, i + block)), (digit, at) => found.push({ digit, at }));
  return found;
}

/** One press of `key`: `toneMs` of tone at pair peak `levelDb`, then `gapMs` of silence. */
function press(key: string, o: { levelDb: number; twistDb: number; toneMs?: number; gapMs?: number }): Float32Array {
  return dtmfTones(key, RATE, { toneMs: o.toneMs ?? 40, gapMs: o.gapMs ?? 40, levelDb: o.levelDb, twistDb: o.twistDb });
}

describe('DTMFDetector: key presses', { timeout: 60_000 }, () => {
  it('finds all 16 keys once each, at every level, twist and SNR, with Q.24 minimum timing (40 ms tone, 40 ms pause)', () => {
    const random = prng(7);
    let presses = 0;
    let found = 0;
    const misses: string[] = [];
    for (const levelDb of [-30, -20, -10, -5]) {
      for (const twistDb of [-6, 0, 6]) {
        for (const snrDb of [Infinity, 20, 10]) {
          const keys = DTMF_KEYS;
          const tones = concat(silence(0.1, RATE), ...[...keys].map((k) => press(k, { levelDb, twistDb })), silence(0.1, RATE));
          // Noise relative to the pair's power while it sounds.
          const pairRms = rms(press('5', { levelDb, twistDb, gapMs: 0 }));
          const x = snrDb === Infinity ? tones : mix(tones, noise(tones.length, pairRms / 10 ** (snrDb / 20), random));
          const got = detect(x).map((f) => f.digit).join('');
          presses += keys.length;
          if (got === keys) found += keys.length;
          else misses.push(`${levelDb} dBFS, twist ${twistDb}, SNR ${snrDb}: ${got}`);
        }
      }
    }
    console.log(`DTMF presses: ${presses}, in runs found exactly: ${found}; misses: ${misses.join(' | ') || 'none'}`);
    expect(misses).toEqual([]);
  });
});

describe('DTMFDetector: keys over speech and noise', () => {
  it.skipIf(!hasSpeechTools)('all 16 keys at varied levels and twist, over a talker 10 dB down and noise 20 dB down: each found once', () => {
    const random = prng(11);
    const speech = concat(...SENTENCES.slice(0, 4).map((t, i) => speak(t, VOICES[i]!, RATE)));
    let x = mix(silence(speech.length / RATE, RATE), speech);
    const keys: string[] = [];
    [...DTMF_KEYS].forEach((key, i) => {
      const levelDb = -25 + (i % 5) * 5;
      const twistDb = ((i % 3) - 1) * 6;
      const tone = dtmfTones(key, RATE, { toneMs: 60, gapMs: 0, levelDb, twistDb });
      const at = Math.round((0.5 + i * 0.6) * RATE);
      // The talker scaled to 10 dB under the tone, where it sounds.
      const talk = rms(speech, at, at + tone.length);
      x = mix(x, tone, at, 1);
      for (let j = 0; j < tone.length; j++) x[at + j]! += (rms(tone) / Math.max(talk, 1e-6) / Math.sqrt(10) - 1) * speech[at + j]!;
      x = mix(x, noise(tone.length, rms(tone) / 10, random), at);
      keys.push(key);
    });
    expect(x.length / RATE).toBeGreaterThan(10);
    expect(detect(x).map((f) => f.digit)).toEqual(keys);
  });
});

describe('DTMFDetector: the e2e fixture', () => {
  const fixture = telephonyFixture(ROOT, 'dtmf-over-speech', RATE);
  it.skipIf(!fixture)('dtmf-over-speech.wav (npm run fixtures): every key once, where it begins', () => {
    const found = detect(fixture!.samples);
    expect(found.map((f) => f.digit).join('')).toBe(DTMF_KEYS);
    expect(found.map((f) => f.digit)).toEqual(fixture!.keys.map((k) => k.digit));
    found.forEach((f, i) => expect(Math.abs(f.at / RATE - fixture!.keys[i]!.startSec)).toBeLessThan(0.01));
  });
});

describe('DTMFDetector: Q.24 timing', () => {
  const at = (x: Float32Array) => concat(silence(0.1, RATE), x, silence(0.1, RATE));
  it('a key held down is one press; the same key after a 40 ms pause is another', () => {
    expect(detect(at(dtmfTones('5', RATE, { toneMs: 1500, gapMs: 0 }))).map((f) => f.digit)).toEqual(['5']);
    expect(detect(at(dtmfTones('5555', RATE, { toneMs: 40, gapMs: 40 }))).map((f) => f.digit).join('')).toBe('5555');
  });

  it('a 10 ms drop inside a press does not split it', () => {
    const x = at(concat(dtmfTones('9', RATE, { toneMs: 60, gapMs: 10 }), dtmfTones('9', RATE, { toneMs: 60, gapMs: 0 })));
    expect(detect(x).map((f) => f.digit)).toEqual(['9']);
  });

  it('tones of 20 ms are not keys, at any alignment to the windows', () => {
    for (let shift = 0; shift < 8; shift++) {
      const x = at(concat(silence(shift / 1000, RATE), dtmfTones('1234567890*#ABCD', RATE, { toneMs: 20, gapMs: 60 })));
      expect(detect(x)).toEqual([]);
    }
  });

  it('reports where the press began, within 10 ms, in any block size and at 8 kHz', () => {
    for (const [rate, block] of [[16000, 128], [16000, 4096], [8000, 80]] as const) {
      const x = concat(silence(0.25, rate), dtmfTones('7', rate, { toneMs: 70 }));
      const [hit] = detect(x, rate, block);
      expect(hit?.digit).toBe('7');
      expect(Math.abs(hit!.at / rate - 0.25)).toBeLessThan(0.01);
    }
  });
});

describe('DTMFDetector: never a key', { timeout: 120_000 }, () => {
  it.skipIf(!hasSpeechTools)('speech: espeak-ng voices, and the e2e fixtures when generated', () => {
    let seconds = 0;
    const false_: string[] = [];
    for (const voice of VOICES) {
      for (const text of SENTENCES) {
        const x = speak(text, voice, RATE);
        seconds += x.length / RATE;
        for (const f of detect(x)) false_.push(`${voice} "${text.slice(0, 20)}" ${f.digit}@${(f.at / RATE).toFixed(2)}`);
      }
    }
    // Every fixture but the one made of keys (a voicemail beep is not a key either).
    for (const { name, samples } of fixtureSpeech(ROOT, RATE, ['dtmf-'])) {
      seconds += samples.length / RATE;
      for (const f of detect(samples)) false_.push(`${name} ${f.digit}@${(f.at / RATE).toFixed(2)}`);
    }
    console.log(`DTMF over ${seconds.toFixed(0)} s of speech: ${false_.length} false digits ${false_.join(', ')}`);
    expect(seconds).toBeGreaterThan(200);
    expect(false_).toEqual([]);
  });

  it('music: chords with harmonics, a vibrato melody, drums', () => {
    const x = music(120, RATE, 3);
    const got = detect(x);
    console.log(`DTMF over 120 s of music: ${got.length} false digits ${got.map((f) => `${f.digit}@${(f.at / RATE).toFixed(2)}`).join(', ')}`);
    expect(got).toEqual([]);
  });
});
