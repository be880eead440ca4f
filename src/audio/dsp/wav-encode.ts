/** Minimal RIFF/WAVE encoder. Pure: no DOM / Web Audio. */

import { float32ToInt16 } from './pcm16';
import { FORMAT_FLOAT, FORMAT_PCM } from './wav';

/**
 * Encodes planar float channels as a canonical RIFF/WAVE file.
 * @param channels One mono array, or one array per channel (equal lengths).
 * @param sampleRate Sample rate in Hz (positive integer).
 * @param opts.format `'pcm16'` (default; quantised like {@link float32ToInt16}) or `'float32'`
 *   (IEEE float, lossless; written with the cbSize field and `fact` chunk the spec requires).
 * @throws RangeError on empty channel list, unequal lengths or a bad sample rate.
 */
export function encodeWav(
  channels: Float32Array | readonly Float32Array[],
  sampleRate: number,
  opts?: { format?: 'pcm16' | 'float32' },
): Uint8Array<ArrayBuffer> {
  const list: readonly Float32Array[] = channels instanceof Float32Array ? [channels] : channels;
  const nch = list.length;
  const first = list[0];
  if (!first) throw new RangeError('encodeWav: no channels');
  if (list.some((ch) => ch.length !== first.length)) throw new RangeError('encodeWav: channel lengths differ');
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new RangeError(`encodeWav: bad sample rate ${sampleRate}`);
  const float = opts?.format === 'float32';
  const bytesPer = float ? 4 : 2;
  const frames = first.length;
  const dataLen = frames * nch * bytesPer;
  const fmtLen = float ? 18 : 16;
  const header = 12 + 8 + fmtLen + (float ? 12 : 0) + 8;
  const out = new Uint8Array(header + dataLen + (dataLen & 1));
  const view = new DataView(out.buffer);
  const ascii = (off: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[off + i] = s.charCodeAt(i);
  };

  ascii(0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, fmtLen, true);
  view.setUint16(20, float ? FORMAT_FLOAT : FORMAT_PCM, true);
  view.setUint16(22, nch, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * nch * bytesPer, true); // byte rate
  view.setUint16(32, nch * bytesPer, true); // block align
  view.setUint16(34, bytesPer * 8, true);
  let off = 36;
  if (float) {
    view.setUint16(off, 0, true); // cbSize
    ascii(off + 2, 'fact');
    view.setUint32(off + 6, 4, true);
    view.setUint32(off + 10, frames, true);
    off += 14;
  }
  ascii(off, 'data');
  view.setUint32(off + 4, dataLen, true);
  off += 8;

  for (let c = 0; c < nch; c++) {
    const ch = list[c]!;
    let p = off + c * bytesPer;
    const step = nch * bytesPer;
    if (float) {
      for (let i = 0; i < frames; i++, p += step) view.setFloat32(p, ch[i]!, true);
    } else {
      const q = float32ToInt16(ch);
      for (let i = 0; i < frames; i++, p += step) view.setInt16(p, q[i]!, true);
    }
  }
  return out;
}
