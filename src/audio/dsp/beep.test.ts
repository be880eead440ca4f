// The beep detector on synthesized voicemail greetings: speech, then a steady tone (the
// beep), then silence; and on what is not a beep: a human "hello?", DTMF, music, long tones.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BeepDetector } from './beep';
import { dtmfTones } from './dtmf-tones';
import { concat, fixtureSpeech, telephonyFixture, hasSpeechTools, mix, music, noise, prng, SENTENCES, silence, sine, speak, VOICES } from './signals-test-kit';

const RATE = 16000;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function beeps(x: Float32Array, block = 512): { at: number; durationSec: number; hz: number }[] {
  const d = new BeepDetector(RATE);
  const out: { at: number; durationSec: number; hz: number }[] = [];
  for (let i = 0; i < x.length; i += block) d.push(x.subarray(i, Math.min(x.length, i + block)), (at, durationMs, hz) => out.push({ at: at / RATE, durationSec: durationMs / 1000, hz }));
  return out;
}

describe('BeepDetector', () => {
  it('finds a beep of 0.3–1.5 s at 400–2000 Hz, −35…−6 dBFS, in noise 20 dB down, once, when it ends', () => {
    const random = prng(5);
    for (const [hz, sec, db] of [[1000, 0.5, -12], [440, 0.3, -30], [1400, 1.0, -6], [2000, 1.5, -20], [425, 0.8, -35], [850, 0.4, -18]] as const) {
      const amp = 10 ** (db / 20);
      const clean = concat(silence(0.5, RATE), sine(sec, hz, amp, RATE), silence(0.5, RATE));
      const x = mix(clean, noise(clean.length, amp / Math.SQRT2 / 10, random));
      const found = beeps(x);
      expect(found, `${hz} Hz, ${sec} s, ${db} dBFS`).toHaveLength(1);
      expect(Math.abs(found[0]!.at - (0.5 + sec))).toBeLessThan(0.05);
      expect(Math.abs(found[0]!.durationSec - sec)).toBeLessThan(0.05);
      expect(Math.abs(found[0]!.hz - hz) / hz).toBeLessThan(0.01);
    }
  });

  it('too short, too long, too low or high a tone is not a beep', () => {
    for (const [hz, sec] of [[1000, 0.15], [1000, 2.5], [300, 0.6], [2600, 0.6]] as const) {
      expect(beeps(concat(silence(0.3, RATE), sine(sec, hz, 0.3, RATE), silence(0.3, RATE))), `${hz} Hz, ${sec} s`).toEqual([]);
    }
  });

  it('a pitch glide and two-tone signals (DTMF, a chord) are not beeps', () => {
    const glide = new Float32Array(RATE);
    let phase = 0;
    for (let i = 0; i < glide.length; i++) glide[i] = 0.3 * Math.sin((phase += (2 * Math.PI * (600 + (600 * i) / RATE)) / RATE));
    expect(beeps(glide)).toEqual([]);
    expect(beeps(dtmfTones('5', RATE, { toneMs: 800 }))).toEqual([]);
    expect(beeps(mix(sine(0.8, 660, 0.2, RATE), sine(0.8, 880, 0.2, RATE)))).toEqual([]);
  });

  it.skipIf(!hasSpeechTools)('a greeting then its beep: one beep, after the speech; speech alone, "hello?" and the e2e fixtures (when generated) give none', () => {
    const greeting = speak(SENTENCES[1]!, 'en-us+f3', RATE);
    const x = concat(silence(0.3, RATE), greeting, silence(0.4, RATE), sine(0.6, 1000, 0.25, RATE), silence(1, RATE));
    const found = beeps(x);
    expect(found).toHaveLength(1);
    expect(found[0]!.at).toBeCloseTo((0.3 * RATE + greeting.length + 0.4 * RATE + 0.6 * RATE) / RATE, 1);
    let seconds = 0;
    const false_: string[] = [];
    for (const voice of VOICES) {
      for (const text of [...SENTENCES, 'Hello?', 'Hellooooo? Is anybody there?']) {
        const s = speak(text, voice, RATE);
        seconds += s.length / RATE;
        for (const b of beeps(s)) false_.push(`${voice} "${text.slice(0, 20)}" ${b.hz.toFixed(0)} Hz ${b.durationSec} s`);
      }
    }
    for (const { name, samples } of fixtureSpeech(ROOT, RATE, ['voicemail-'])) {
      seconds += samples.length / RATE;
      for (const b of beeps(samples)) false_.push(`${name} ${b.hz.toFixed(0)} Hz ${b.durationSec} s`);
    }
    console.log(`beeps over ${seconds.toFixed(0)} s of speech: ${false_.length} ${false_.join(', ')}`);
    expect(false_).toEqual([]);
  }, 120_000);

  const greeting = telephonyFixture(ROOT, 'voicemail-greeting-beep', RATE);
  it.skipIf(!greeting)('voicemail-greeting-beep.wav (npm run fixtures): its one beep, when it ends; human-hello.wav: none', () => {
    const found = beeps(greeting!.samples);
    expect(found).toHaveLength(1);
    expect(Math.abs(found[0]!.at - greeting!.beeps[0]!.endSec)).toBeLessThan(0.03);
    expect(Math.abs(found[0]!.hz - greeting!.beeps[0]!.hz)).toBeLessThan(10);
    expect(beeps(telephonyFixture(ROOT, 'human-hello', RATE)!.samples)).toEqual([]);
  });

  it('music: no beeps', () => {
    const got = beeps(music(60, RATE, 9));
    console.log(`beeps over 60 s of synthetic music: ${got.length}`);
    expect(got).toEqual([]);
  }, 60_000);
});
