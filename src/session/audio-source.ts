import { downmixToMono } from '../audio/dsp/pcm';
import { loadAudioFile } from '../audio/load-audio-file';

/** Audio for background, thinking or pre-recorded speech: a URL or decoded mono samples. */
export type AudioSource = string | URL | { samples: Float32Array; sampleRate: number };

/** Decoded mono samples of an {@link AudioSource} (files are fetched and decoded). */
export async function resolveAudioSource(source: AudioSource, context: Pick<BaseAudioContext, 'decodeAudioData'>, signal?: AbortSignal): Promise<{ samples: Float32Array; sampleRate: number }> {
  if (typeof source === 'object' && 'samples' in source) return source;
  const decoded = await loadAudioFile(source, context, signal);
  return { samples: downmixToMono(decoded.channels), sampleRate: decoded.sampleRate };
}
