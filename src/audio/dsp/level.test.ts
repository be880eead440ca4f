import { describe, expect, it } from 'vitest';
import { LevelMeter, dbToGain, gainToDb, rms } from './level';

function sine(n: number, amp: number, period = 48): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * i) / period));
}

describe('rms / dB helpers', () => {
  it('measures a full-scale sine at 1/√2 and a square at its amplitude', () => {
    expect(rms(sine(4800, 1))).toBeCloseTo(Math.SQRT1_2, 6);
    expect(rms(Float32Array.from({ length: 100 }, (_, i) => (i % 2 ? 0.5 : -0.5)))).toBeCloseTo(0.5, 7);
    expect(rms(new Float32Array(0))).toBe(0);
  });

  it('converts between dB and gain', () => {
    expect(dbToGain(0)).toBe(1);
    expect(dbToGain(-20)).toBeCloseTo(0.1, 12);
    expect(dbToGain(6)).toBeCloseTo(1.9953, 4);
    expect(gainToDb(0.5)).toBeCloseTo(-6.0206, 4);
    expect(gainToDb(0)).toBe(-Infinity);
    expect(gainToDb(dbToGain(-37.5))).toBeCloseTo(-37.5, 10);
  });
});

describe('LevelMeter', () => {
  it('reports once per 1584 samples at 48 kHz / 33 ms, on average over 128-sample blocks', () => {
    const meter = new LevelMeter(48000);
    expect(meter.intervalSamples).toBe(1584);
    const block = new Float32Array(128);
    let reports = 0;
    const blocks = 100_000;
    const at: number[] = [];
    for (let b = 1; b <= blocks; b++) {
      if (meter.push(block)) {
        reports++;
        at.push(b * 128);
      }
    }
    expect(reports).toBe(Math.floor((blocks * 128) / 1584)); // 8080
    // Each report fires on the first block boundary at or past k × 1584.
    at.slice(0, 50).forEach((pos, k) => expect(pos).toBe(Math.ceil(((k + 1) * 1584) / 128) * 128));
  });

  it('keeps an exact long-run rate for a fractional interval (44.1 kHz, 33 ms = 1455.3 samples)', () => {
    const meter = new LevelMeter(44100);
    let reports = 0;
    const block = new Float32Array(128);
    for (let b = 0; b < 100_000; b++) if (meter.push(block)) reports++;
    expect(reports).toBe(Math.floor((100_000 * 128) / 1455.3)); // 8795
  });

  it('reports rms and peak of the samples since the previous report', () => {
    const meter = new LevelMeter(48000, 10); // 480 samples
    const loud = sine(480, 0.8);
    let level = null;
    for (let i = 0; i < 480; i += 96) level = meter.push(loud.subarray(i, i + 96));
    expect(level).not.toBeNull();
    expect(level!.rms).toBeCloseTo(0.8 * Math.SQRT1_2, 5);
    expect(level!.peak).toBeCloseTo(0.8, 6);
    // Next interval is quiet with a single negative spike: nothing from the loud one leaks in.
    const quiet = new Float32Array(480).fill(0.1);
    quiet[17] = -0.3;
    let next = null;
    for (let i = 0; i < 480; i += 96) {
      next = meter.push(quiet.subarray(i, i + 96));
      if (i < 384) expect(next).toBeNull();
    }
    expect(next!.peak).toBeCloseTo(0.3, 6);
    expect(next!.rms).toBeCloseTo(Math.sqrt((479 * 0.01 + 0.09) / 480), 6);
  });

  it('returns a single report for a block spanning many intervals and keeps the phase', () => {
    const meter = new LevelMeter(1000, 10); // 10 samples
    expect(meter.push(new Float32Array(35).fill(0.5))).toEqual({ rms: 0.5, peak: 0.5 });
    expect(meter.push(new Float32Array(4))).toBeNull(); // 39
    expect(meter.push(new Float32Array(1))).not.toBeNull(); // 40: boundary kept on the 10-grid
  });

  it('reset() restarts the interval', () => {
    const meter = new LevelMeter(1000, 10);
    meter.push(new Float32Array(9));
    meter.reset();
    expect(meter.push(new Float32Array(9))).toBeNull();
    expect(meter.push(new Float32Array(1))).not.toBeNull();
  });

  it('rejects a non-positive interval', () => {
    expect(() => new LevelMeter(48000, 0)).toThrow(RangeError);
    expect(() => new LevelMeter(Number.NaN)).toThrow(RangeError);
  });
});
