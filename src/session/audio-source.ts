import { loadAudioFile } from '../audio/load-audio-file';

/** Audio for background, thinking or pre-recorded speech: a URL or decoded mono samples. */
export type AudioSource = string | URL | { samples: Float32Array; sampleRate: number };

/** Decoded mono samples of an {@link AudioSource} (files are fetched and decoded). */
export async function resolveAudioSource(source: AudioSource, context: BaseAudioContext, signal?: AbortSignal): Promise<{ samples: Float32Array; sampleRate: number }> {
  if (typeof source === 'object' && 'samples' in source) return source;
  const decoded = await loadAudioFile(source, context, signal);
  const first = decoded.channels[0] ?? new Float32Array(0);
  if (decoded.channels.length === 1) return { samples: first, sampleRate: decoded.sampleRate };
  const mono = new Float32Array(first.length);
  for (const ch of decoded.channels) for (let i = 0; i < mono.length; i++) mono[i]! += ch[i]! / decoded.channels.length;
  return { samples: mono, sampleRate: decoded.sampleRate };
}
