// CaptureCore keeps audio time on the context clock: quanta that never reached the
// processor (a jump in currentFrame) are counted as silence, not lost.
import { describe, expect, it } from 'vitest';
import { CaptureCore } from './capture-core';

const Q = 128;

/** Runs `quanta` context frames (start of each quantum) of a 0.5 DC input; returns the 16 kHz frames. */
function run(quanta: number[]): { frames: Float32Array[]; core: CaptureCore } {
  const core = new CaptureCore(48000, 16000, 512, 0);
  const block = new Float32Array(Q).fill(0.5);
  const frames: Float32Array[] = [];
  for (const f of quanta) core.processAt(f, [block], (fr) => frames.push(fr.slice()), () => undefined);
  return { frames, core };
}

describe('CaptureCore.processAt', () => {
  it('counts a skipped stretch of the context clock as silence', () => {
    // 20 quanta, then currentFrame jumps 12 quanta (32 ms at 48 kHz), then 16 more.
    const quanta = [...Array.from({ length: 20 }, (_, i) => i * Q), ...Array.from({ length: 16 }, (_, i) => (32 + i) * Q)];
    const { frames, core } = run(quanta);
    expect(core.gapFrames).toBe(12 * Q);
    // 48 quanta of context time at 48 kHz → 2048 samples at 16 kHz: 4 frames (not 3 for 36 quanta).
    expect(frames.length).toBe(4);
    // The silence sits where the gap was (context frames 2560–4096), later by the resampler's delay.
    const all = new Float32Array(frames.length * 512);
    frames.forEach((f, i) => all.set(f, i * 512));
    const at = (ctxFrame: number) => all[Math.round(ctxFrame / 3) + 20]!;
    expect(at(1280)).toBeCloseTo(0.5, 1); // before the gap
    expect(Math.abs(at(3200))).toBeLessThan(0.01); // inside it
    expect(at(4096 + 300)).toBeCloseTo(0.5, 1); // after it
  });

  it('leaves a steady clock alone', () => {
    const { frames, core } = run(Array.from({ length: 48 }, (_, i) => 1000 * Q + i * Q));
    expect(core.gapFrames).toBe(0);
    expect(frames.length).toBe(4);
    expect(Math.min(...frames.map((f) => Math.min(...f.subarray(100))))).toBeGreaterThan(0.45);
  });
});
