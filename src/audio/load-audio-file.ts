import { AssetLoadError } from '../errors';
import { decodeWav, type DecodedAudio } from './dsp/wav';

/**
 * Fetches and decodes an audio file. WAV is decoded here (exact samples, no context
 * needed); other formats go through `decodeAudioData` of `context` (required then).
 */
export async function loadAudioFile(url: string | URL, context?: BaseAudioContext, signal?: AbortSignal): Promise<DecodedAudio> {
  const href = String(url);
  let res: Response;
  try {
    res = await fetch(href, signal ? { signal } : {});
  } catch (cause) {
    throw new AssetLoadError(href, 'Could not fetch the audio file', { cause });
  }
  if (!res.ok) throw new AssetLoadError(href, `HTTP ${res.status} while fetching the audio file`, { status: res.status });
  const bytes = await res.arrayBuffer();
  const head = new Uint8Array(bytes, 0, Math.min(12, bytes.byteLength));
  const isWav = String.fromCharCode(...head.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...head.subarray(8, 12)) === 'WAVE';
  try {
    if (isWav) return decodeWav(bytes);
    if (!context) throw new Error('not a WAV file, and no AudioContext was given to decode it');
    const buffer = await context.decodeAudioData(bytes);
    const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c).slice());
    return { sampleRate: buffer.sampleRate, channels };
  } catch (cause) {
    throw new AssetLoadError(href, `Could not decode the audio file: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
