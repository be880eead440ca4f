// The one WAV reader/writer and resampler of the Node-side tools: the fixture scripts
// (make-fixtures.mjs, wav-bounds.mjs) and the local provider server (local-ai/).

import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Parses a RIFF/WAVE buffer without assuming a 44-byte header: walks the chunk list for
 * `fmt ` and `data` (skipping LIST/fact/…, honouring pad bytes). A data size that runs
 * past the end (espeak-ng's and sox's streamed output say 0x7ffff000) means "to the end".
 * WAVE_FORMAT_EXTENSIBLE reports its SubFormat's tag.
 * @param {Buffer} buf
 * @returns {{ formatTag: number, channels: number, sampleRate: number, blockAlign: number,
 *   bitsPerSample: number, frames: number, durationSec: number, data: Buffer }}
 */
export function parseWav(buf) {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt = null;
  for (let off = 12; off + 8 <= buf.length;) {
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new Error('fmt chunk too short');
      let formatTag = buf.readUInt16LE(body);
      if (formatTag === 0xfffe && size >= 26) formatTag = buf.readUInt16LE(body + 24);
      fmt = { formatTag, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), blockAlign: buf.readUInt16LE(body + 12), bitsPerSample: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data chunk before fmt chunk');
      const end = Math.min(buf.length, body + size);
      const blockAlign = fmt.blockAlign || (fmt.channels * fmt.bitsPerSample) / 8;
      if (!fmt.sampleRate || !blockAlign) throw new Error('WAV fmt chunk is invalid');
      const frames = Math.floor((end - body) / blockAlign);
      return { ...fmt, blockAlign, frames, durationSec: frames / fmt.sampleRate, data: buf.subarray(body, body + frames * blockAlign) };
    }
    off = body + size + (size & 1);
  }
  throw new Error('WAV file has no fmt or data chunk');
}

/**
 * Decodes PCM 8/16/24/32-bit int and 32/64-bit float to mono (channels averaged), full scale 1.
 * @param {Buffer} buf
 * @returns {{ sampleRate: number, samples: Float32Array }}
 */
export function decodeWavMono(buf) {
  const { formatTag, channels, sampleRate, blockAlign, bitsPerSample, frames, data } = parseWav(buf);
  const bytes = bitsPerSample / 8;
  if (!channels || !Number.isInteger(bytes) || bytes < 1) throw new Error(`unsupported fmt (channels=${channels}, bits=${bitsPerSample})`);
  let read;
  if (formatTag === 1) {
    if (bytes === 1) read = (o) => (data[o] - 128) / 128;
    else if (bytes === 2) read = (o) => data.readInt16LE(o) / 32768;
    else if (bytes === 3) read = (o) => data.readIntLE(o, 3) / 8388608;
    else if (bytes === 4) read = (o) => data.readInt32LE(o) / 2147483648;
    else throw new Error(`unsupported PCM bit depth ${bitsPerSample}`);
  } else if (formatTag === 3) {
    if (bytes === 4) read = (o) => data.readFloatLE(o);
    else if (bytes === 8) read = (o) => data.readDoubleLE(o);
    else throw new Error(`unsupported float bit depth ${bitsPerSample}`);
  } else throw new Error(`unsupported format tag 0x${formatTag.toString(16)}`);
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let acc = 0;
    for (let c = 0; c < channels; c++) acc += read(i * blockAlign + c * bytes);
    samples[i] = acc / channels;
  }
  return { sampleRate, samples };
}

/** Reads a WAV file as mono floats (see {@link decodeWavMono}); errors name the file. */
export function readWavMono(path) {
  try {
    return decodeWavMono(readFileSync(path));
  } catch (err) {
    throw new Error(`${path}: ${err.message}`);
  }
}

/** 16-bit PCM mono WAV bytes from floats in [-1, 1] (clipped). */
export function encodeWav16(samples, sampleRate) {
  const buf = Buffer.alloc(44 + samples.length * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples.length * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]));
    buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32768))), 44 + i * 2);
  }
  return buf;
}

export function writeWav16(path, samples, sampleRate) {
  writeFileSync(path, encodeWav16(samples, sampleRate));
}

/** Linear-interpolation resampler for mono s16le bytes; plenty for espeak's band-limited speech. */
export function resampleS16(data, from, to) {
  const n = data.length >> 1;
  if (from === to) return Buffer.from(data);
  const outLen = Math.floor((n * to) / from);
  const out = Buffer.alloc(outLen * 2);
  for (let i = 0; i < outLen; i++) {
    const p = (i * from) / to;
    const k = Math.floor(p);
    const a = data.readInt16LE(k * 2);
    const b = k + 1 < n ? data.readInt16LE((k + 1) * 2) : a;
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(a + (b - a) * (p - k)))), i * 2);
  }
  return out;
}

/** A small seeded PRNG (mulberry32): the same "random" bytes on every run. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
