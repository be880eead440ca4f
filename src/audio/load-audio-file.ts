import { assetError, extras } from '../lazy';
import type { DecodedAudio } from './dsp/wav';

/**
 * Fetches and decodes an audio file (any format the browser decodes: WAV, MP3, Ogg, …)
 * with `context.decodeAudioData`, at the context's rate. Rejects with `AssetLoadError`.
 * `decodeWav` in `earshot/dsp` decodes a WAV without a context, at its own rate.
 */
export async function loadAudioFile(url: string | URL, context: Pick<BaseAudioContext, 'decodeAudioData'>, signal?: AbortSignal): Promise<DecodedAudio> {
  return (await extras()).loadAudioFile(url, context, signal, assetError);
}
