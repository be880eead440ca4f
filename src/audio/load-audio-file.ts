import { AssetLoadError } from '../errors';
import type { DecodedAudio } from './dsp/wav';

/**
 * Fetches and decodes an audio file (any format the browser decodes: WAV, MP3, Ogg, …)
 * with `context.decodeAudioData`, at the context's rate. `decodeWav` in `earshot/dsp`
 * decodes a WAV without a context, at its own rate.
 */
export async function loadAudioFile(url: string | URL, context: Pick<BaseAudioContext, 'decodeAudioData'>, signal?: AbortSignal): Promise<DecodedAudio> {
  const href = String(url);
  let res: Response;
  try {
    res = await fetch(href, signal ? { signal } : {});
  } catch (cause) {
    throw new AssetLoadError(href, 'Could not fetch the audio file', { cause });
  }
  if (!res.ok) throw new AssetLoadError(href, `HTTP ${res.status} while fetching the audio file`, { status: res.status });
  const bytes = await res.arrayBuffer();
  try {
    const buffer = await context.decodeAudioData(bytes);
    const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c).slice());
    return { sampleRate: buffer.sampleRate, channels };
  } catch (cause) {
    throw new AssetLoadError(href, `Could not decode the audio file: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
