// DTMFHandler in a whole session in Node: key presses played into VirtualAudio's mic go through
// the capture worklet's core and detector to the callback and `dtmf_received`; sendDtmf plays
// tones the detector reads back (round trip), or uses an RTCDTMFSender.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DTMFDetector, DTMF_KEYS } from '../audio/dsp/dtmf';
import { dtmfTones } from '../audio/dsp/dtmf-tones';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concat, mix, noise, prng, resample, silence, telephonyFixture } from '../audio/dsp/signals-test-kit';
import { kit } from '../session/session-test-kit';
import { DTMFHandler } from './dtmf-handler';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const RATE = 48000;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = telephonyFixture(ROOT, 'dtmf-over-speech', RATE);

/** Settles `p` while the fake clock runs. */
async function settle<T>(k: { until(done: () => boolean, maxMs?: number): Promise<void> }, p: Promise<T>): Promise<T> {
  let done = false;
  const out = p.finally(() => (done = true));
  await k.until(() => done, 10_000);
  return out;
}

function detect(samples: Float32Array, rate: number): string {
  const d = new DTMFDetector(16000);
  let keys = '';
  d.push(resample(samples, rate, 16000), (digit) => (keys += digit));
  return keys;
}

/** A minimal RTCDTMFSender: plays queued keys on the timers' clock, with its `tonechange` events. */
class FakeDTMFSender extends EventTarget {
  inserted: { tones: string; duration: number; gap: number }[] = [];
  toneBuffer = '';
  insertDTMF(tones: string, duration = 100, gap = 70): void {
    this.inserted.push({ tones, duration, gap });
    this.toneBuffer = tones;
    const step = () => {
      const tone = this.toneBuffer[0] ?? '';
      this.toneBuffer = this.toneBuffer.slice(1);
      this.dispatchEvent(Object.assign(new Event('tonechange'), { tone }));
      if (tone) setTimeout(step, duration + gap);
    };
    if (tones) setTimeout(step, 0);
  }
}

describe('DTMFHandler: in-band keys', () => {
  it('keys played into the mic (levels −25…−5 dBFS, ±6 dB twist, noise) reach the callback and dtmf_received, each once, and not the chat', async () => {
    const got: string[] = [];
    const dtmf = new DTMFHandler((d) => void got.push(d));
    const k = kit({ session: { dtmfHandler: dtmf } });
    await k.session.start();
    const random = prng(3);
    const presses = [...DTMF_KEYS].map((key, i) => dtmfTones(key, RATE, { toneMs: 50, gapMs: 60, levelDb: -25 + (i % 5) * 5, twistDb: ((i % 3) - 1) * 6 }));
    const keys = concat(silence(0.2, RATE), ...presses, silence(0.2, RATE));
    k.audio.playIntoMicrophone(mix(keys, noise(keys.length, 0.003, random)));
    await k.until(() => got.length >= 16 && k.audio.state === 'running', 5000, 'all 16 keys');
    await k.run(500);
    expect(got.join('')).toBe(DTMF_KEYS);
    const received = k.events.dtmf_received ?? [];
    expect(received.map((e) => e.digit).join('')).toBe(DTMF_KEYS);
    expect(received.every((e) => e.source === 'in_band')).toBe(true);
    // Audio time of the first key: 0.2 s into the mic audio (the capture started with the session).
    expect(received[0]!.at).toBeGreaterThan(0.19);
    expect(k.history()).toEqual([]);
    await k.session.close();
  });

  it.skipIf(!FIXTURE)('dtmf-over-speech.wav (npm run fixtures) into the mic: the 16 keys, each once', async () => {
    const got: string[] = [];
    const k = kit({ session: { dtmfHandler: new DTMFHandler((d) => void got.push(d)) } });
    await k.session.start();
    k.audio.playIntoMicrophone(FIXTURE!.samples);
    await k.run((FIXTURE!.samples.length / RATE) * 1000 + 500);
    expect(got).toEqual(FIXTURE!.keys.map((key) => key.digit));
  });

  it('setCallback replaces the callback; receive() hands in keys from elsewhere; a failing callback is an error event', async () => {
    const first: string[] = [];
    const second: string[] = [];
    const dtmf = new DTMFHandler((d) => void first.push(d));
    const k = kit({ session: { dtmfHandler: dtmf } });
    await k.session.start();
    dtmf.receive(5);
    dtmf.setCallback((d) => void second.push(d));
    dtmf.receive('#');
    dtmf.setCallback(() => Promise.reject(new Error('menu broke')));
    dtmf.receive('1');
    await k.run(50);
    expect(first).toEqual(['5']);
    expect(second).toEqual(['#']);
    expect(k.events.dtmf_received?.map((e) => `${e.digit}:${e.source}:${e.at}`)).toEqual(['5:app:null', '#:app:null', '1:app:null']);
    expect(k.events.error?.[0]?.error.message).toContain('menu broke');
  });

  it('inBand: false asks for no detector: keys in the mic are not heard', async () => {
    const got: string[] = [];
    const k = kit({ session: { dtmfHandler: new DTMFHandler((d) => void got.push(d), { inBand: false }) } });
    await k.session.start();
    k.audio.playIntoMicrophone(dtmfTones('123', RATE));
    await k.run(1000);
    expect(got).toEqual([]);
  });
});

describe('DTMFHandler: sendDtmf', () => {
  it('plays the keys as tones on the voice bus (70 ms tone, 70 ms gap); the detector reads them back from what was played', async () => {
    const k = kit({ session: { dtmfHandler: new DTMFHandler() } });
    await k.session.start();
    const before = k.audio.played().length;
    await settle(k, k.session.sendDtmf('12#*90ABCD'));
    const played = k.audio.played().subarray(before);
    expect(detect(played, RATE)).toBe('12#*90ABCD');
    // Ten keys of 140 ms have played when it resolves.
    expect(played.length / RATE).toBeGreaterThan(1.35);
    // −10 dBFS pair peak.
    expect(Math.max(...played.map(Math.abs))).toBeCloseTo(10 ** (-10 / 20), 1);
  });

  it('its own tones echoed into the mic are not taken for the caller\'s keys; the caller\'s keys afterwards are', async () => {
    const got: string[] = [];
    const k = kit({ session: { dtmfHandler: new DTMFHandler((d) => void got.push(d)) } });
    await k.session.start();
    k.audio.playIntoMicrophone(dtmfTones('12#', RATE));
    await settle(k, k.session.sendDtmf('12#'));
    await k.run(500);
    expect(got).toEqual([]);
    k.audio.playIntoMicrophone(dtmfTones('9', RATE));
    await k.run(500);
    expect(got).toEqual(['9']);
  });

  it('with an RTCDTMFSender, sends on it and resolves after its last tonechange; nothing plays', async () => {
    const sender = new FakeDTMFSender();
    const k = kit({ session: { dtmfHandler: new DTMFHandler(null, { sender: sender as unknown as RTCDTMFSender }) } });
    await k.session.start();
    let sent = false;
    const sending = k.session.sendDtmf('4,2').then(() => (sent = true));
    await k.run(150);
    expect(sent).toBe(false);
    await k.run(500);
    await sending;
    expect(sender.inserted).toEqual([{ tones: '4,2', duration: 70, gap: 70 }]);
    expect(Math.max(0, ...k.audio.played().map(Math.abs))).toBe(0);
  });

  it('rejects keys that are not DTMF and a session without a DTMFHandler (ConfigError); an aborted send stops the tones', async () => {
    const k = kit({ session: { dtmfHandler: new DTMFHandler() } });
    await k.session.start();
    await expect(k.session.sendDtmf('12x')).rejects.toMatchObject({ code: 'config-invalid' });
    const plain = kit();
    await plain.session.start();
    await expect(plain.session.sendDtmf('1')).rejects.toMatchObject({ code: 'config-invalid', message: expect.stringContaining('dtmfHandler') });
    const abort = new AbortController();
    const before = k.audio.played().length;
    const sending = k.session.sendDtmf('123456789', { signal: abort.signal });
    await k.run(200);
    abort.abort();
    await settle(k, sending);
    await k.run(300);
    expect(detect(k.audio.played().subarray(before), RATE)).toMatch(/^1{1}2?$/);
  });
});

describe('DTMFHandler: the mic', () => {
  it('opens with noise suppression off (it fades steady tones) unless the app chose; a session without telephony keeps the default', async () => {
    const withHandler = kit({ session: { dtmfHandler: new DTMFHandler() } });
    const chosen = kit({ session: { dtmfHandler: new DTMFHandler() }, audio: { microphone: { noiseSuppression: true, echoCancellation: false } } });
    const plain = kit({ audio: { microphone: { echoCancellation: false } } });
    for (const k of [withHandler, chosen, plain]) await k.session.start();
    expect(withHandler.audioOptions[0]?.microphone).toEqual({ noiseSuppression: false });
    expect(chosen.audioOptions[0]?.microphone).toEqual({ noiseSuppression: true, echoCancellation: false });
    expect(plain.audioOptions[0]?.microphone).toEqual({ echoCancellation: false });
  });
});
