import { describe, expect, it } from 'vitest';
import { WavFormatError, decodeWav } from './wav';
import { encodeWav, wavPcm16Bytes, writeWavPcm16 } from './wav-encode';
import { float32ToInt16 } from './pcm16';

/** Little-endian byte writer for hand-built files. */
function bytes(...parts: Array<string | number[] | Uint8Array>): Uint8Array {
  const arrs = parts.map((p) => (typeof p === 'string' ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : Uint8Array.from(p)));
  const out = new Uint8Array(arrs.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrs) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}
const u16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

function fmtChunk(tag: number, nch: number, rate: number, bits: number): Uint8Array {
  const align = nch * (bits >> 3);
  return bytes('fmt ', u32(16), u16(tag), u16(nch), u32(rate), u32(rate * align), u16(align), u16(bits));
}
function chunk(id: string, body: Uint8Array | number[], sizeOverride?: number): Uint8Array {
  const b = Uint8Array.from(body);
  return bytes(id, u32(sizeOverride ?? b.length), b, b.length & 1 ? [0] : []);
}
function riff(...chunks: Uint8Array[]): Uint8Array {
  const body = bytes('WAVE', ...chunks);
  return bytes('RIFF', u32(body.length), body);
}

const ramp = (n: number, k = 1): Float32Array => Float32Array.from({ length: n }, (_, i) => k * (i / n - 0.5));

describe('encodeWav → decodeWav', () => {
  it('round-trips mono pcm16 within one LSB', () => {
    const x = ramp(1000);
    const file = encodeWav(x, 16000);
    expect(file.length).toBe(44 + 2000);
    const d = decodeWav(file);
    expect(d.sampleRate).toBe(16000);
    expect(d.channels.length).toBe(1);
    const y = d.channels[0]!;
    expect(y.length).toBe(1000);
    let maxErr = 0;
    for (let i = 0; i < x.length; i++) maxErr = Math.max(maxErr, Math.abs(y[i]! - x[i]!));
    expect(maxErr).toBeLessThanOrEqual(0.5 / 32768 + 1e-9);
  });

  it('round-trips stereo float32 exactly, from an ArrayBuffer', () => {
    const l = ramp(333, 1.7); // float keeps values outside [-1, 1]
    const r = ramp(333, -0.3);
    const file = encodeWav([l, r], 44100, { format: 'float32' });
    const d = decodeWav(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
    expect(d.sampleRate).toBe(44100);
    expect(d.channels.length).toBe(2);
    expect(Array.from(d.channels[0]!)).toEqual(Array.from(l));
    expect(Array.from(d.channels[1]!)).toEqual(Array.from(r));
  });

  it('interleaves stereo pcm16 as L R L R', () => {
    const file = encodeWav([Float32Array.of(0.5, -1), Float32Array.of(-0.5, 0.25)], 8000);
    const view = new DataView(file.buffer);
    expect([0, 2, 4, 6].map((o) => view.getInt16(44 + o, true))).toEqual([16384, -16384, -32768, 8192]);
    expect(view.getUint16(32, true)).toBe(4); // block align
    expect(view.getUint32(28, true)).toBe(32000); // byte rate
  });

  it('rejects bad encoder input', () => {
    expect(() => encodeWav([], 16000)).toThrow(RangeError);
    expect(() => encodeWav([new Float32Array(2), new Float32Array(3)], 16000)).toThrow(RangeError);
    expect(() => encodeWav(new Float32Array(2), 0)).toThrow(RangeError);
  });
});

describe('writeWavPcm16 (a WAV file inside a larger body)', () => {
  const samples = Float32Array.from({ length: 1001 }, (_, i) => (i === 7 ? NaN : i === 8 ? 1.5 : i === 9 ? -2 : Math.sin(i / 9) * 0.8));
  for (const at of [0, 10, 37]) {
    it(`at byte ${at} (${at % 2 ? 'odd: byte by byte' : 'even: through an Int16Array'}): the same bytes as encodeWav, nothing outside touched`, () => {
      const body = new Uint8Array(at + wavPcm16Bytes(samples.length) + 5).fill(0xaa);
      writeWavPcm16(body, at, samples, 16000);
      const alone = encodeWav(samples, 16000);
      expect(body.subarray(at, at + alone.length)).toEqual(alone);
      expect([...body.subarray(0, at), ...body.subarray(at + alone.length)].every((b) => b === 0xaa)).toBe(true);
      const d = decodeWav(body.slice(at, at + alone.length).buffer);
      expect(d.sampleRate).toBe(16000);
      // Quantised like float32ToInt16: clamped, NaN as 0.
      expect(Array.from(d.channels[0]!, (v) => Math.round(v * 32768))).toEqual(Array.from(float32ToInt16(samples)));
    });
  }
});

describe('decodeWav (hand-built files)', () => {
  it('decodes 24-bit signed PCM', () => {
    const data = [...[0x00, 0x00, 0x40], ...[0x00, 0x00, 0xc0], ...[0xff, 0xff, 0x7f], ...[0x01, 0x00, 0x80], ...[0xff, 0xff, 0xff]];
    const d = decodeWav(riff(fmtChunk(1, 1, 48000, 24), chunk('data', data)));
    expect(Array.from(d.channels[0]!)).toEqual([0.5, -0.5, 8388607 / 8388608, -8388607 / 8388608, -1 / 8388608]);
  });

  it('decodes 8-bit unsigned PCM (stereo, odd data size with pad byte)', () => {
    const d = decodeWav(riff(fmtChunk(1, 2, 11025, 8), chunk('data', [128, 0, 255, 192, 64]), chunk('LIST', [1, 2])));
    expect(d.sampleRate).toBe(11025);
    expect(Array.from(d.channels[0]!)).toEqual([0, 127 / 128]);
    expect(Array.from(d.channels[1]!)).toEqual([-1, 0.5]); // trailing half frame dropped
  });

  it('decodes 32-bit int and 64-bit float', () => {
    const i32 = decodeWav(riff(fmtChunk(1, 1, 8000, 32), chunk('data', [...u32(0x40000000), ...u32(0x80000000)])));
    expect(Array.from(i32.channels[0]!)).toEqual([0.5, -1]);
    const f64 = new Uint8Array(new Float64Array([0.25, -0.75]).buffer); // little-endian hosts only
    const f = decodeWav(riff(fmtChunk(3, 1, 8000, 64), chunk('data', f64)));
    expect(Array.from(f.channels[0]!)).toEqual([0.25, -0.75]);
  });

  function extensible(subformat: number, bits: number, guidTail = [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]): Uint8Array {
    const align = 2 * (bits >> 3);
    const body = bytes(u16(0xfffe), u16(2), u32(16000), u32(16000 * align), u16(align), u16(bits), u16(22), u16(bits), u32(3), u16(subformat), guidTail);
    return chunk('fmt ', body);
  }

  it('decodes WAVE_FORMAT_EXTENSIBLE with PCM and float SubFormats', () => {
    const pcm = decodeWav(riff(extensible(1, 16), chunk('data', [...u16(0x4000), ...u16(0xc000)])));
    expect(pcm.channels.map((c) => c[0])).toEqual([0.5, -0.5]);
    const fl = decodeWav(riff(extensible(3, 32), chunk('data', new Uint8Array(new Float32Array([0.125, -2]).buffer))));
    expect(fl.channels.map((c) => c[0])).toEqual([0.125, -2]);
  });

  it('skips LIST and odd-sized unknown chunks before data', () => {
    const list = chunk('LIST', bytes('INFOISFT', u32(5), 'Lavf', [0])); // 17 bytes → padded
    const odd = chunk('junk', [1, 2, 3]);
    const d = decodeWav(riff(fmtChunk(1, 1, 22050, 16), list, odd, chunk('data', [...u16(0x2000), ...u16(0xe000)])));
    expect(Array.from(d.channels[0]!)).toEqual([0.25, -0.25]);
  });

  it.each([0xffffffff, 0, 1_000_000])('reads to end of file when the data size is %i', (size) => {
    const samples = [...u16(0x4000), ...u16(0xc000), ...u16(0x1000)];
    const file = riff(fmtChunk(1, 1, 16000, 16), chunk('data', samples, size));
    expect(Array.from(decodeWav(file).channels[0]!)).toEqual([0.5, -0.5, 0.125]);
  });

  it('accepts a Uint8Array view at an offset into a larger buffer', () => {
    const file = encodeWav(Float32Array.of(0.5, -0.25), 16000);
    const big = new Uint8Array(file.length + 7);
    big.set(file, 7);
    expect(Array.from(decodeWav(big.subarray(7)).channels[0]!)).toEqual([0.5, -0.25]);
  });

  const good = fmtChunk(1, 1, 16000, 16);
  const data = chunk('data', [0, 0]);
  it.each([
    ['empty input', new Uint8Array(0), /RIFF/],
    ['non-RIFF', bytes('OggS', u32(0), 'WAVE'), /RIFF\/WAVE/],
    ['RIFF but not WAVE', bytes('RIFF', u32(4), 'AVI '), /RIFF\/WAVE/],
    ['missing fmt', riff(data), /no fmt/],
    ['missing data', riff(good, chunk('LIST', [0, 0])), /no data/],
    ['ADPCM', riff(fmtChunk(2, 1, 16000, 4), data), /format tag 0x2/],
    ['12-bit PCM', riff(fmtChunk(1, 1, 16000, 12), data), /12 bits/],
    ['16-bit float', riff(fmtChunk(3, 1, 16000, 16), data), /format tag 0x3, 16 bits/],
    ['foreign SubFormat GUID', riff(extensible(1, 16, new Array<number>(14).fill(7)), data), /SubFormat/],
  ])('throws WavFormatError for %s', (_name, file, message) => {
    let err: unknown;
    try {
      decodeWav(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WavFormatError);
    expect((err as Error).name).toBe('WavFormatError');
    expect((err as Error).message).toMatch(message);
  });
});
