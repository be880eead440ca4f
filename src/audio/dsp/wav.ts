/**
 * Minimal RIFF/WAVE decoder (the encoder is in wav-encode.ts, so bundles that only read
 * WAV files do not carry it).
 *
 * Pure: no DOM / Web Audio (so it works in Workers and Node, and without `decodeAudioData`'s
 * implicit resampling to the context rate).
 */

/** Decoded audio: planar float channels in [-1, 1] at `sampleRate` Hz. */
export interface DecodedAudio {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** One array per channel, all the same length (frames). */
  channels: Float32Array[];
}

/** Thrown by {@link decodeWav} for input that is not a WAV file it can decode. */
export class WavFormatError extends Error {
  override name = 'WavFormatError';
}

export const FORMAT_PCM = 0x0001;
export const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_* GUIDs share this tail after the 2-byte format code (bytes 2..15). */
const SUBFORMAT_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

interface Fmt {
  tag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bits: number;
}

function fourcc(u8: Uint8Array, off: number): string {
  return String.fromCharCode(u8[off]!, u8[off + 1]!, u8[off + 2]!, u8[off + 3]!);
}

function parseFmt(view: DataView, off: number, size: number): Fmt {
  if (size < 16) throw new WavFormatError(`WAV fmt chunk too short (${size} bytes)`);
  let tag = view.getUint16(off, true);
  const fmt: Fmt = {
    tag,
    channels: view.getUint16(off + 2, true),
    sampleRate: view.getUint32(off + 4, true),
    blockAlign: view.getUint16(off + 12, true),
    bits: view.getUint16(off + 14, true),
  };
  if (tag === FORMAT_EXTENSIBLE) {
    if (size < 40) throw new WavFormatError('WAVE_FORMAT_EXTENSIBLE fmt chunk too short');
    // The real format lives in the SubFormat GUID at offset 24; bits stays the container size.
    tag = view.getUint16(off + 24, true);
    for (let i = 0; i < SUBFORMAT_TAIL.length; i++) {
      if (view.getUint8(off + 26 + i) !== SUBFORMAT_TAIL[i]) {
        throw new WavFormatError('Unsupported WAVE_FORMAT_EXTENSIBLE SubFormat GUID');
      }
    }
    fmt.tag = tag;
  }
  return fmt;
}

/**
 * Decodes a RIFF/WAVE file into planar float channels.
 *
 * Supports PCM 8-bit (unsigned), 16/24/32-bit (signed) and IEEE float 32/64-bit, plain or
 * WAVE_FORMAT_EXTENSIBLE. Unknown chunks (LIST, fact, …) are skipped, honouring the pad byte
 * after odd-sized chunks. A `data` size of 0 or 0xFFFFFFFF, or one running past the end of the
 * input (streamed output from sox/ffmpeg pipes), means "read to end of file"; a trailing
 * partial frame is dropped. Integers map to floats by dividing by 2^(bits−1).
 * @throws WavFormatError on non-RIFF input, a missing fmt/data chunk, or an unsupported format.
 */
export function decodeWav(data: ArrayBuffer | Uint8Array): DecodedAudio {
  const u8 = data instanceof Uint8Array ? data : new Uint8Array(data);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const len = u8.length;
  if (len < 12) throw new WavFormatError('Not a WAV file: shorter than a RIFF header');
  const riff = fourcc(u8, 0);
  // RF64 uses the same layout with 0xFFFFFFFF sizes, which the read-to-end rule already covers.
  if ((riff !== 'RIFF' && riff !== 'RF64') || fourcc(u8, 8) !== 'WAVE') {
    throw new WavFormatError('Not a WAV file: missing RIFF/WAVE header');
  }

  let fmt: Fmt | null = null;
  let dataOff = -1;
  let dataLen = 0;
  let off = 12;
  while (off + 8 <= len) {
    const id = fourcc(u8, off);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ') {
      if (body + size > len) throw new WavFormatError('WAV fmt chunk is truncated');
      fmt = parseFmt(view, body, size);
    } else if (id === 'data') {
      dataOff = body;
      if (size === 0 || size === 0xffffffff || body + size > len) {
        dataLen = len - body;
        break; // the size is unknown, so nothing after it can be located
      }
      dataLen = size;
    }
    off = body + size + (size & 1); // chunks are word-aligned: odd sizes carry a pad byte
  }
  if (!fmt) throw new WavFormatError('WAV file has no fmt chunk');
  if (dataOff < 0) throw new WavFormatError('WAV file has no data chunk');

  const { tag, channels: nch, sampleRate, bits } = fmt;
  const isPcm = tag === FORMAT_PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
  const isFloat = tag === FORMAT_FLOAT && (bits === 32 || bits === 64);
  if (!isPcm && !isFloat) {
    throw new WavFormatError(`Unsupported WAV encoding: format tag 0x${tag.toString(16)}, ${bits} bits`);
  }
  if (nch < 1) throw new WavFormatError('WAV fmt declares 0 channels');
  if (sampleRate < 1) throw new WavFormatError('WAV fmt declares a sample rate of 0');

  const bytesPer = bits >> 3;
  // Trust blockAlign only when it is plausible; some writers leave it 0.
  const stride = fmt.blockAlign >= nch * bytesPer ? fmt.blockAlign : nch * bytesPer;
  const frames = Math.floor(dataLen / stride);
  const channels: Float32Array[] = [];
  for (let c = 0; c < nch; c++) channels.push(new Float32Array(frames));

  for (let c = 0; c < nch; c++) {
    const ch = channels[c]!;
    let p = dataOff + c * bytesPer;
    if (isFloat && bits === 32) for (let i = 0; i < frames; i++, p += stride) ch[i] = view.getFloat32(p, true);
    else if (isFloat) for (let i = 0; i < frames; i++, p += stride) ch[i] = view.getFloat64(p, true);
    else if (bits === 8) for (let i = 0; i < frames; i++, p += stride) ch[i] = (u8[p]! - 128) / 128;
    else if (bits === 16) for (let i = 0; i < frames; i++, p += stride) ch[i] = view.getInt16(p, true) / 32768;
    else if (bits === 24) {
      for (let i = 0; i < frames; i++, p += stride) {
        const v = ((u8[p]! | (u8[p + 1]! << 8) | (u8[p + 2]! << 16)) << 8) >> 8; // sign-extend 24 → 32
        ch[i] = v / 8388608;
      }
    } else for (let i = 0; i < frames; i++, p += stride) ch[i] = view.getInt32(p, true) / 2147483648;
  }
  return { sampleRate, channels };
}
