/**
 * Signed 16-bit PCM: conversion to and from floats, and a decoder for byte streams that
 * split samples anywhere (TTS bodies). Its own module, apart from pcm.ts, so that bundles
 * which need only downmixing do not carry it.
 *
 * Pure DSP: no DOM / Web Audio, safe in AudioWorklets, Workers, Node and the main thread.
 */

/**
 * Converts signed 16-bit samples to floats in [-1, 1): `v / 32768`.
 * @returns A new array of the same length.
 */
export function int16ToFloat32(src: Int16Array): Float32Array<ArrayBuffer> {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! / 32768;
  return out;
}

/**
 * Converts floats to signed 16-bit: `round(v × 32768)` clamped to [-32768, 32767].
 *
 * One symmetric scale (rather than ×32767 / ×32768 per sign) makes
 * `float32ToInt16(int16ToFloat32(x))` lossless; the only cost is that +1.0 clips by one LSB.
 * NaN becomes 0.
 * @param out Where to write (`src.length` samples), e.g. a view into a larger buffer; default a new array.
 * @returns `out`.
 */
export function float32ToInt16<T extends Int16Array<ArrayBufferLike> = Int16Array<ArrayBuffer>>(src: Float32Array, out: T = new Int16Array(src.length) as T): T {
  for (let i = 0; i < src.length; i++) {
    let v = Math.round(src[i]! * 32768);
    // Clamp explicitly: Int16Array stores modulo 2^16, so 1.5 would wrap to a loud negative.
    if (v > 32767) v = 32767;
    else if (v < -32768) v = -32768;
    out[i] = v; // NaN is stored as 0
  }
  return out;
}

/**
 * Incremental decoder for little-endian signed 16-bit mono PCM arriving in network chunks.
 *
 * Chunk boundaries need not fall on sample boundaries: a trailing odd byte is held back and
 * joined with the first byte of the next chunk. Bytes are assembled by hand because an
 * `Int16Array` view would throw on an odd `byteOffset` and would follow host endianness.
 */
export class PcmS16Decoder {
  private carry = 0;
  private hasCarry = false;

  /** Bytes held back from the last chunk waiting for their pair (0 or 1). */
  get pendingBytes(): number {
    return this.hasCarry ? 1 : 0;
  }

  /**
   * Decodes every complete sample in `bytes` (plus any carried byte).
   * @returns New array of floats in [-1, 1) (`v / 32768`); may be empty.
   */
  push(bytes: Uint8Array): Float32Array<ArrayBuffer> {
    const total = bytes.length + (this.hasCarry ? 1 : 0);
    const out = new Float32Array(total >> 1);
    let i = 0;
    let o = 0;
    if (this.hasCarry && bytes.length > 0) {
      out[o++] = (((this.carry | (bytes[0]! << 8)) << 16) >> 16) / 32768;
      i = 1;
      this.hasCarry = false;
    }
    const end = bytes.length - 1;
    for (; i < end; i += 2) {
      // `<< 16 >> 16` sign-extends the 16-bit value within a 32-bit int.
      out[o++] = (((bytes[i]! | (bytes[i + 1]! << 8)) << 16) >> 16) / 32768;
    }
    if (i === end) {
      this.carry = bytes[i]!;
      this.hasCarry = true;
    }
    return out;
  }

  /** Drops any carried byte (e.g. when a new stream starts). */
  reset(): void {
    this.hasCarry = false;
    this.carry = 0;
  }
}
