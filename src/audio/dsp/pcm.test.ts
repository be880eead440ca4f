import { describe, expect, it } from 'vitest';
import { downmixToMono } from './pcm';
import { PcmS16Decoder, float32ToInt16, int16ToFloat32 } from './pcm16';

/** Known samples and their little-endian bytes, including the extremes and sign boundary. */
const SAMPLES = [0, 1, -1, 32767, -32768, 256, -256, 0x1234, -0x1234, 255, -255, 12345];
function leBytes(samples: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  samples.forEach((s, i) => {
    bytes[2 * i] = s & 0xff;
    bytes[2 * i + 1] = (s >> 8) & 0xff;
  });
  return bytes;
}
const EXPECTED = SAMPLES.map((s) => s / 32768);

function concat(parts: Float32Array[]): number[] {
  return parts.flatMap((p) => Array.from(p));
}

describe('int16ToFloat32 / float32ToInt16', () => {
  it('maps the int16 range onto [-1, 1)', () => {
    const f = int16ToFloat32(Int16Array.from([0, 16384, -16384, 32767, -32768]));
    expect(Array.from(f)).toEqual([0, 0.5, -0.5, 32767 / 32768, -1]);
  });

  it('round-trips every int16 value losslessly', () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < all.length; i++) all[i] = i - 32768;
    const back = float32ToInt16(int16ToFloat32(all));
    let mismatches = 0; // counted by hand: a deep toEqual on 64k elements is needlessly slow
    for (let i = 0; i < all.length; i++) if (back[i] !== all[i]) mismatches++;
    expect(back.length).toBe(65536);
    expect(mismatches).toBe(0);
  });

  it('clamps out-of-range input instead of wrapping, and maps NaN to 0', () => {
    const q = float32ToInt16(Float32Array.from([1, 1.5, 100, -1, -1.5, -100, Number.NaN, 0.5, -0.5]));
    expect(Array.from(q)).toEqual([32767, 32767, 32767, -32768, -32768, -32768, 0, 16384, -16384]);
  });

  it('rounds to nearest', () => {
    const q = float32ToInt16(Float32Array.from([0.4 / 32768, 0.6 / 32768, -0.6 / 32768, 100.49 / 32768]));
    expect(Array.from(q)).toEqual([0, 1, -1, 100]);
  });
});

describe('PcmS16Decoder', () => {
  const bytes = leBytes(SAMPLES);

  it('decodes a whole buffer, including negative values', () => {
    const d = new PcmS16Decoder();
    expect(Array.from(d.push(bytes))).toEqual(EXPECTED);
    expect(d.pendingBytes).toBe(0);
  });

  it('gives the same samples for every single split point', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new PcmS16Decoder();
      const a = d.push(bytes.subarray(0, cut));
      expect(a.length).toBe(cut >> 1);
      expect(d.pendingBytes).toBe(cut & 1);
      const b = d.push(bytes.subarray(cut));
      expect(concat([a, b])).toEqual(EXPECTED);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it('decodes 1-byte chunks', () => {
    const d = new PcmS16Decoder();
    const parts: Float32Array[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const out = d.push(bytes.subarray(i, i + 1));
      expect(out.length).toBe(i & 1); // a sample completes on every second byte
      parts.push(out);
    }
    expect(concat(parts)).toEqual(EXPECTED);
  });

  it('decodes irregular odd/even chunks and empty pushes', () => {
    const sizes = [3, 0, 1, 4, 5, 2, 0, 7];
    const d = new PcmS16Decoder();
    const parts: Float32Array[] = [];
    let off = 0;
    for (const size of sizes) {
      parts.push(d.push(bytes.subarray(off, off + size)));
      off += size;
    }
    parts.push(d.push(bytes.subarray(off)));
    expect(concat(parts)).toEqual(EXPECTED);
  });

  it('handles views at odd byteOffsets of a shared buffer', () => {
    const backing = new Uint8Array(bytes.length + 3);
    backing.set(bytes, 3);
    const view = new Uint8Array(backing.buffer, 3, bytes.length);
    expect(view.byteOffset % 2).toBe(1);
    const d = new PcmS16Decoder();
    const a = d.push(view.subarray(0, 5)); // byteOffset 3, odd length
    const b = d.push(view.subarray(5)); // byteOffset 8
    expect(concat([a, b])).toEqual(EXPECTED);
  });

  it('reset() discards a carried byte', () => {
    const d = new PcmS16Decoder();
    d.push(Uint8Array.of(0xff));
    expect(d.pendingBytes).toBe(1);
    d.reset();
    expect(d.pendingBytes).toBe(0);
    expect(Array.from(d.push(Uint8Array.of(0x00, 0x40)))).toEqual([0.5]);
  });
});

describe('downmixToMono', () => {
  it('averages stereo', () => {
    const out = downmixToMono([Float32Array.from([1, 0.5, -1]), Float32Array.from([0, 0.5, 1])]);
    expect(Array.from(out)).toEqual([0.5, 0.5, 0]);
  });

  it('averages three channels', () => {
    const out = downmixToMono([Float32Array.of(0.75, 0), Float32Array.of(0, 0.375), Float32Array.of(0, 0)]);
    expect(out[0]).toBeCloseTo(0.25, 7);
    expect(out[1]).toBeCloseTo(0.125, 7);
  });

  it('copies mono and writes into a provided buffer', () => {
    const mono = Float32Array.of(0.1, 0.2);
    const dst = new Float32Array(4).fill(9);
    const out = downmixToMono([mono], dst);
    expect(out).not.toBe(mono);
    expect(out.buffer).toBe(dst.buffer);
    expect(out.length).toBe(2);
    expect(Array.from(dst)).toEqual([mono[0], mono[1], 9, 9]);
  });

  it('returns an empty array for no channels and rejects bad shapes', () => {
    expect(downmixToMono([]).length).toBe(0);
    expect(() => downmixToMono([new Float32Array(3), new Float32Array(2)])).toThrow(RangeError);
    expect(() => downmixToMono([new Float32Array(3)], new Float32Array(2))).toThrow(RangeError);
  });
});
