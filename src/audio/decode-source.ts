// Fetching and decoding audio sources (files, PCM bytes): loaded on first use with the core's
// other rarely used parts (src/extras.ts). It imports no values, so the script-tag build can
// load it beside itself: errors are made by the caller's `fail` (the core's AssetLoadError).
import type { DecodedAudio } from './dsp/wav';
import type { AudioSource, PcmBytes } from '../session/audio-source';

/** Makes the error for `href` (the caller's class). */
export type AssetFail = (href: string, message: string, options?: { cause?: unknown; status?: number }) => Error;

export async function loadAudioFile(url: string | URL, context: Pick<BaseAudioContext, 'decodeAudioData'>, signal: AbortSignal | undefined, fail: AssetFail): Promise<DecodedAudio> {
  const href = String(url);
  let res: Response;
  try {
    res = await fetch(href, signal ? { signal } : {});
  } catch (cause) {
    throw fail(href, 'Could not fetch the audio file', { cause });
  }
  if (!res.ok) throw fail(href, `HTTP ${res.status} while fetching the audio file`, { status: res.status });
  const bytes = await res.arrayBuffer();
  try {
    const buffer = await context.decodeAudioData(bytes);
    const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c).slice());
    return { sampleRate: buffer.sampleRate, channels };
  } catch (cause) {
    throw fail(href, `Could not decode the audio file: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Decoded mono samples of an {@link AudioSource} (files are fetched and decoded, channels averaged). */
export async function resolveAudioSource(source: AudioSource, context: Pick<BaseAudioContext, 'decodeAudioData'>, fail: AssetFail): Promise<{ samples: Float32Array; sampleRate: number }> {
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
  const { channels, sampleRate: rate } = await loadAudioFile(source as string | URL, context, undefined, fail);
  const mono = channels.length === 1 ? channels[0]! : Float32Array.from(channels[0]!, (_, i) => channels.reduce((sum, ch) => sum + ch[i]!, 0) / channels.length);
  return { samples: mono, sampleRate: rate };
}
