import { describe, expect, it } from 'vitest';
import { Framer } from './framer';

const seq = (start: number, n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => start + i);

describe('Framer', () => {
  it('re-blocks odd chunk sizes into frames equal to the concatenated input', () => {
    const framer = new Framer(512);
    const frames: Float32Array[] = [];
    const sizes = [1, 127, 128, 300, 0, 511, 513, 1024, 2000, 7, 3];
    let next = 0;
    for (const size of sizes) {
      framer.push(seq(next, size), (f) => frames.push(f));
      next += size;
    }
    const total = sizes.reduce((a, b) => a + b, 0); // 4612
    expect(frames.length).toBe(Math.floor(total / 512)); // 9
    expect(framer.buffered).toBe(total % 512); // 4
    frames.forEach((f, k) => {
      expect(f.length).toBe(512);
      expect(f[0]).toBe(k * 512);
      expect(f[511]).toBe(k * 512 + 511);
      for (let i = 1; i < 512; i++) if (f[i]! - f[i - 1]! !== 1) throw new Error(`gap in frame ${k} at ${i}`);
    });
  });

  it('emits a distinct, non-aliased array for every frame', () => {
    const framer = new Framer(4);
    const frames: Float32Array[] = [];
    const input = seq(0, 10);
    framer.push(input.subarray(0, 3), (f) => frames.push(f)); // nothing yet
    expect(frames.length).toBe(0);
    framer.push(input.subarray(3), (f) => frames.push(f)); // via pending, then direct
    expect(frames.map((f) => Array.from(f))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(frames[0]!.buffer).not.toBe(frames[1]!.buffer);
    expect(frames.every((f) => f.buffer !== input.buffer && f.byteOffset === 0 && f.buffer.byteLength === 16)).toBe(true);
    input.fill(-1); // mutating the caller's buffer must not affect emitted frames
    expect(frames[1]![0]).toBe(4);
    // The leftover [8, 9] was copied too, so the next frame is unaffected as well.
    framer.push(seq(10, 2), (f) => frames.push(f));
    expect(Array.from(frames[2]!)).toEqual([8, 9, 10, 11]);
  });

  it('keeps leftovers across pushes and drops them on reset', () => {
    const framer = new Framer(3);
    const frames: number[][] = [];
    framer.push(seq(0, 5), (f) => frames.push(Array.from(f)));
    expect(framer.buffered).toBe(2);
    framer.reset();
    expect(framer.buffered).toBe(0);
    framer.push(seq(100, 3), (f) => frames.push(Array.from(f)));
    expect(frames).toEqual([
      [0, 1, 2],
      [100, 101, 102],
    ]);
  });

  it('rejects a bad frame size', () => {
    expect(() => new Framer(0)).toThrow(RangeError);
    expect(() => new Framer(1.5)).toThrow(RangeError);
  });
});
