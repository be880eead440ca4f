import { describe, expect, it } from 'vitest';
import { StreamResampler } from './resampler';
import { mulberry32 } from '../../../scripts/wav.mjs';

function sine(freq: number, rate: number, n: number, amp = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}

function rmsOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / x.length);
}

function noise(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() * 2 - 1;
  return out;
}

/** Feeds `input` in random-length chunks (including empty ones) and concatenates the outputs. */
function runChunked(rs: StreamResampler, input: Float32Array, seed: number, maxChunk: number): Float32Array {
  const r = mulberry32(seed);
  const parts: Float32Array[] = [];
  let total = 0;
  for (let i = 0; i < input.length; ) {
    const len = Math.min(input.length - i, Math.floor(r() * (maxChunk + 1)));
    const out = rs.process(input.subarray(i, i + len));
    parts.push(out);
    total += out.length;
    i += len;
  }
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}

/** Frequency estimate from linearly interpolated rising zero crossings. */
function zeroCrossingFreq(x: Float32Array, rate: number): number {
  const times: number[] = [];
  for (let i = 1; i < x.length; i++) {
    const a = x[i - 1]!;
    const b = x[i]!;
    if (a < 0 && b >= 0) times.push(i - 1 + a / (a - b));
  }
  const first = times[0]!;
  const last = times[times.length - 1]!;
  return ((times.length - 1) * rate) / (last - first);
}

const PAIRS: Array<[number, number]> = [
  [44100, 16000],
  [48000, 16000],
  [24000, 44100],
  [24000, 48000],
  [16000, 48000],
  [22050, 48000],
  [44100, 16001], // L = 16001 > 1024: exercises the interpolated-phase path
];

describe('StreamResampler', () => {
  it('48k → 16k keeps a 440 Hz sine at the right frequency and amplitude', () => {
    const rs = new StreamResampler(48000, 16000);
    const out = rs.process(sine(440, 48000, 48000, 0.8));
    expect(out.length).toBe(16000);
    const steady = out.subarray(200);
    expect(zeroCrossingFreq(steady, 16000)).toBeCloseTo(440, 1);
    expect(rmsOf(steady) / (0.8 / Math.SQRT2)).toBeGreaterThan(0.995);
    expect(rmsOf(steady) / (0.8 / Math.SQRT2)).toBeLessThan(1.005);
  });

  it('48k → 16k suppresses a 10 kHz tone (above the new Nyquist) by > 60 dB', () => {
    const rs = new StreamResampler(48000, 16000);
    const out = rs.process(sine(10000, 48000, 48000));
    const atten = 20 * Math.log10(rmsOf(out.subarray(200)) / Math.SQRT1_2);
    expect(atten).toBeLessThan(-60);
  });

  it('44.1k → 16k passes 3 kHz within 0.1 dB', () => {
    const rs = new StreamResampler(44100, 16000);
    const out = rs.process(sine(3000, 44100, 44100));
    const gainDb = 20 * Math.log10(rmsOf(out.subarray(200)) / Math.SQRT1_2);
    expect(Math.abs(gainDb)).toBeLessThan(0.1);
  });

  it.each([
    [24000, 48000, 440],
    [48000, 16000, 440],
    [22050, 48000, 440],
    [44100, 16000, 3000],
    [44100, 16001, 3000], // interpolated phases: ignoring the sub-phase weight would err by ~8e-4
  ])('%i → %i: %i Hz matches the analytic sine delayed by latencyOutputSamples', (from, to, freq) => {
    const rs = new StreamResampler(from, to);
    const out = rs.process(sine(freq, from, from));
    const lat = rs.latencyOutputSamples;
    expect(Number.isInteger(lat)).toBe(true);
    let maxErr = 0;
    for (let k = 3 * lat; k < out.length; k++) {
      const want = Math.sin((2 * Math.PI * freq * (k - lat)) / to);
      maxErr = Math.max(maxErr, Math.abs(out[k]! - want));
    }
    expect(maxErr).toBeLessThan(1e-4); // measured ~1e-5; an off-by-one latency gives ~6e-2
  });

  it('reports the documented latency', () => {
    expect(new StreamResampler(24000, 48000).latencyOutputSamples).toBe(32);
    expect(new StreamResampler(48000, 16000).latencyOutputSamples).toBe(16);
    expect(new StreamResampler(48000, 16000).tapsPerSide).toBe(48);
    expect(new StreamResampler(16000, 16000).latencyOutputSamples).toBe(0);
  });

  it.each(PAIRS)('%i → %i has DC gain 1', (from, to) => {
    const rs = new StreamResampler(from, to);
    const out = rs.process(new Float32Array(4000).fill(0.5));
    for (let k = 2 * rs.latencyOutputSamples; k < out.length; k++) {
      expect(Math.abs(out[k]! - 0.5)).toBeLessThan(1e-5);
    }
  });

  it.each(PAIRS)('%i → %i gives identical output for any chunking', (from, to) => {
    const input = noise(20000, from ^ to);
    const whole = new StreamResampler(from, to).process(input);
    const tiny = runChunked(new StreamResampler(from, to), input, 1, 3);
    const mixed = runChunked(new StreamResampler(from, to), input, 2, 700);
    expect(tiny.length).toBe(whole.length);
    expect(mixed.length).toBe(whole.length);
    expect(Array.from(tiny)).toEqual(Array.from(whole));
    expect(Array.from(mixed)).toEqual(Array.from(whole));
  });

  it.each(PAIRS)('%i → %i output count tracks n × to / from without drift', (from, to) => {
    const rs = new StreamResampler(from, to);
    const block = new Float32Array(128);
    let inCount = 0;
    let outCount = 0;
    let maxDev = 0;
    for (let b = 0; b < 5000; b++) {
      const len = b % 7 === 0 ? 37 : 128; // irregular blocks to shake out phase bugs
      outCount += rs.process(block.subarray(0, len)).length;
      inCount += len;
      maxDev = Math.max(maxDev, Math.abs(outCount - (inCount * to) / from));
    }
    expect(maxDev).toBeLessThan(1);
    expect(outCount).toBe(Math.ceil((inCount * to) / from));
  });

  it('returns a copy when the rates are equal', () => {
    const rs = new StreamResampler(16000, 16000);
    const input = noise(100, 3);
    const out = rs.process(input);
    expect(out).not.toBe(input);
    expect(Array.from(out)).toEqual(Array.from(input));
  });

  it('reset() restarts the stream from silence', () => {
    const input = noise(3000, 9);
    const rs = new StreamResampler(44100, 16000);
    const first = rs.process(input);
    rs.process(noise(500, 10));
    rs.reset();
    expect(Array.from(rs.process(input))).toEqual(Array.from(first));
  });

  it('rejects invalid arguments', () => {
    expect(() => new StreamResampler(0, 16000)).toThrow(RangeError);
    expect(() => new StreamResampler(48000, Number.NaN)).toThrow(RangeError);
    expect(() => new StreamResampler(48000, 16000, { halfTaps: 0 })).toThrow(RangeError);
  });
});
