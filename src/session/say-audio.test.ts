// say(text, { audio }) with what the Python framework's `audio_data` takes: 16-bit PCM bytes,
// one buffer or chunks (iterable, async iterable), here at a rate the test names.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { kit, voicedSec } from './session-test-kit';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** `sec` of a `hz` sine at `rate`, as 16-bit little-endian PCM bytes. */
function pcmTone(rate: number, sec: number, hz: number): Uint8Array {
  const n = Math.round(rate * sec);
  const view = new DataView(new ArrayBuffer(n * 2));
  for (let i = 0; i < n; i++) view.setInt16(i * 2, Math.round(0.3 * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), true);
  return new Uint8Array(view.buffer);
}

/** Sign changes per second over the loud part of `samples` (48 kHz): twice the frequency. */
function frequency(samples: Float32Array, rate = 48_000): number {
  const loud = [...samples.keys()].filter((i) => Math.abs(samples[i]!) > 0.05);
  const [from, to] = [loud[0] ?? 0, loud.at(-1) ?? 0];
  let crossings = 0;
  for (let i = from + 1; i <= to; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return crossings / 2 / ((to - from) / rate);
}

describe('say() with PCM bytes', () => {
  it('plays chunks of an async iterable (odd lengths, split samples) at their rate, with no TTS request', async () => {
    const k = kit();
    await k.session.start();
    const bytes = pcmTone(16_000, 0.5, 500);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 333) yield bytes.subarray(i, i + 333);
    }
    const handle = k.session.say('A recorded greeting.', { audio: { pcm: chunks(), sampleRate: 16_000 } });
    await k.until(() => handle.done);
    expect(k.tts.requests).toEqual([]);
    const played = k.audio.played();
    expect(voicedSec(played)).toBeGreaterThan(0.45);
    expect(voicedSec(played)).toBeLessThan(0.55);
    // 500 Hz at 16 kHz stays 500 Hz at 48 kHz: the bytes were read at the rate given.
    expect(frequency(played)).toBeGreaterThan(480);
    expect(frequency(played)).toBeLessThan(520);
    expect(k.history()).toEqual(['assistant: A recorded greeting.']);
    await k.session.close();
  });

  it('plays one buffer, and a plain iterable of views into a larger buffer', async () => {
    const k = kit();
    await k.session.start();
    const bytes = pcmTone(24_000, 0.3, 1000);
    const one = k.session.say('One.', { audio: { pcm: bytes.buffer as ArrayBuffer, sampleRate: 24_000 } });
    await k.until(() => one.done);
    const first = voicedSec(k.audio.played());
    expect(first).toBeGreaterThan(0.25);
    const framed = new Uint8Array(bytes.length + 10);
    framed.set(bytes, 5);
    const two = k.session.say('Two.', { audio: { pcm: [framed.subarray(5, 1005), framed.subarray(1005, 5 + bytes.length)], sampleRate: 24_000 } });
    await k.until(() => two.done);
    expect(voicedSec(k.audio.played()) - first).toBeGreaterThan(0.25);
    expect(frequency(k.audio.played().subarray(Math.round(first * 48_000) + 4800))).toBeGreaterThan(950);
    expect(k.tts.requests).toEqual([]);
    await k.session.close();
  });
});
