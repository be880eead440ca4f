import { describe, expect, it } from 'vitest';
import { implausiblePcm, nonPcmContentType } from './pcm-check';

function pcm(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  samples.forEach((s, i) => view.setInt16(i * 2, Math.round(Math.max(-1, Math.min(1, s)) * 32767), true));
  return out;
}

/** Speech-like: a few loud harmonics at 24 kHz. */
function voiced(n: number, amplitude = 0.8): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amplitude * (0.6 * Math.sin((2 * Math.PI * 140 * i) / 24000) + 0.3 * Math.sin((2 * Math.PI * 700 * i) / 24000) + 0.1 * Math.sin((2 * Math.PI * 2100 * i) / 24000));
  return x;
}

function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let a = seed;
  for (let i = 0; i < n; i++) {
    a = (a * 1103515245 + 12345) >>> 0;
    out[i] = a >>> 24;
  }
  return out;
}

describe('nonPcmContentType', () => {
  it('flags compressed, text and JSON types', () => {
    for (const t of ['audio/mpeg', 'audio/ogg; codecs=opus', 'audio/wav', 'text/html; charset=utf-8', 'application/json']) expect(nonPcmContentType(t)).not.toBeNull();
  });
  it('accepts a missing or generic type and raw PCM types', () => {
    for (const t of [null, '', 'application/octet-stream', 'audio/pcm', 'audio/L16; rate=24000']) expect(nonPcmContentType(t)).toBeNull();
  });
});

describe('implausiblePcm', () => {
  it('accepts loud speech-like PCM, quiet PCM and silence', () => {
    expect(implausiblePcm(pcm(voiced(2048)))).toBeNull();
    expect(implausiblePcm(pcm(voiced(2048, 0.05)))).toBeNull();
    expect(implausiblePcm(new Uint8Array(4096))).toBeNull();
  });
  it('flags container signatures', () => {
    expect(implausiblePcm(Uint8Array.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0]))).toMatch(/ID3/);
    expect(implausiblePcm(new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt '))).toMatch(/RIFF/);
    expect(implausiblePcm(new TextEncoder().encode('{"error":{"message":"x"}}'))).toMatch(/JSON/);
    expect(implausiblePcm(new TextEncoder().encode('<!doctype html><html>'))).toMatch(/HTML/);
  });
  it('flags compressed-looking bytes (loud, uncorrelated) without a signature', () => {
    expect(implausiblePcm(randomBytes(4096))).toMatch(/noise/);
  });
  it('does not judge fewer than 256 samples', () => {
    expect(implausiblePcm(randomBytes(300))).toBeNull();
  });
});
