import { assetError, extras } from '../lazy';

/** Bytes of 16-bit little-endian mono PCM (odd chunk lengths are fine: chunks are joined first). */
export type PcmBytes = ArrayBuffer | ArrayBufferView;

/**
 * Audio for background, thinking or pre-recorded speech: a URL (fetched and decoded), decoded
 * mono samples, or (as the Python framework's `audio_data`) 16-bit little-endian mono PCM
 * bytes at `sampleRate` Hz: one buffer, or chunks from an iterable or async iterable (a
 * fetch body's reader, a generator). Chunks are gathered, then played: playback starts once
 * the iterable ends.
 */
export type AudioSource =
  | string
  | URL
  | { samples: Float32Array; sampleRate: number }
  | { pcm: PcmBytes | Iterable<PcmBytes> | AsyncIterable<PcmBytes>; sampleRate: number };

/**
 * Decoded mono samples of an {@link AudioSource}: samples as they are; files are fetched and
 * decoded, PCM bytes converted, by code that loads on first use.
 */
export async function resolveAudioSource(source: AudioSource, context: Pick<BaseAudioContext, 'decodeAudioData'>): Promise<{ samples: Float32Array; sampleRate: number }> {
  const decoded = source as { samples?: Float32Array; sampleRate: number };
  return decoded.samples ? (decoded as { samples: Float32Array; sampleRate: number }) : (await extras()).resolveAudioSource(source, context, assetError);
}
