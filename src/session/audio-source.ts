import { downmixToMono } from '../audio/dsp/pcm';
import { loadAudioFile } from '../audio/load-audio-file';

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

/** Decoded mono samples of an {@link AudioSource} (files are fetched and decoded). */
export async function resolveAudioSource(source: AudioSource, context: Pick<BaseAudioContext, 'decodeAudioData'>): Promise<{ samples: Float32Array; sampleRate: number }> {
  // Strings and URLs have neither field.
  const { samples, pcm, sampleRate } = source as { samples?: Float32Array; pcm?: Extract<AudioSource, { pcm: unknown }>['pcm']; sampleRate: number };
  if (samples) return source as { samples: Float32Array; sampleRate: number };
  if (pcm) {
    const parts: PcmBytes[] = [];
    // A lone buffer (or view) is one chunk; anything else is a sequence of chunks.
    for await (const chunk of (pcm as ArrayBuffer).byteLength >= 0 ? [pcm as PcmBytes] : (pcm as AsyncIterable<PcmBytes>)) parts.push(chunk);
    const bytes = await new Blob(parts as BlobPart[]).arrayBuffer();
    return { samples: Float32Array.from(new Int16Array(bytes, 0, bytes.byteLength >> 1), (v) => v / 32768), sampleRate };
  }
  const decoded = await loadAudioFile(source as string | URL, context);
  return { samples: downmixToMono(decoded.channels), sampleRate: decoded.sampleRate };
}
