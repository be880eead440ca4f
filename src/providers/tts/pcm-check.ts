/**
 * Checks that a TTS body is the raw s16le PCM asked for, before any of it is played: a
 * compressed or text body decoded as PCM is full-scale noise.
 */

/** Content types that are certainly not raw PCM. A missing or generic type is not judged (OpenAI's is undocumented). */
export function nonPcmContentType(contentType: string | null): string | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === '' || type === 'application/octet-stream' || type === 'binary/octet-stream') return null;
  if (type === 'audio/pcm' || type === 'audio/l16' || type === 'audio/raw' || type === 'audio/x-raw') return null;
  if (type.startsWith('audio/') || type.startsWith('text/') || type.startsWith('video/') || type === 'application/json' || type === 'application/ogg') return type;
  return null;
}

/** Bytes enough to judge a body: 2048 samples (85 ms at 24 kHz). */
export const SNIFF_BYTES = 4096;

const MAGIC: [string, number[]][] = [
  ['MP3 (ID3 tag)', [0x49, 0x44, 0x33]],
  ['WAV/RIFF', [0x52, 0x49, 0x46, 0x46]],
  ['Ogg', [0x4f, 0x67, 0x67, 0x53]],
  ['FLAC', [0x66, 0x4c, 0x61, 0x43]],
  ['JSON', [0x7b, 0x22]],
  ['HTML', [0x3c, 0x21]],
  ['HTML', [0x3c, 0x68, 0x74, 0x6d, 0x6c]],
];

/**
 * Judges the first bytes of a body (up to {@link SNIFF_BYTES}) as s16le mono speech.
 * @returns why it is not PCM (a container's signature, or noise-like statistics), or null.
 *   Speech is smooth at 16–48 kHz (neighbouring samples correlate strongly); compressed
 *   bytes read as samples are loud and uncorrelated.
 */
export function implausiblePcm(bytes: Uint8Array): string | null {
  for (const [name, sig] of MAGIC) if (sig.every((b, i) => bytes[i] === b)) return `the body starts like ${name}`;
  const n = Math.floor(Math.min(bytes.length, SNIFF_BYTES) / 2);
  if (n < 256) return null; // too little to judge
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  let energy = 0;
  let lag1 = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const x = view.getInt16(i * 2, true) / 32768;
    energy += x * x;
    if (i > 0) lag1 += x * prev;
    prev = x;
  }
  const rms = Math.sqrt(energy / n);
  const correlation = energy > 0 ? lag1 / energy : 1;
  if (rms > 0.2 && correlation < 0.5) return `it reads as noise (RMS ${rms.toFixed(2)}, neighbour correlation ${correlation.toFixed(2)})`;
  return null;
}
