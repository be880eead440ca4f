// What Smart Turn v3 is fed and what it answers, as pure functions: the Worker and the
// Node tests share them. The reference is pipecat's LocalSmartTurnAnalyzerV3 and the model's
// training code (pipecat-ai/smart-turn), which use transformers' WhisperFeatureExtractor.
import { whisperLogMel, WHISPER_MEL } from '../audio/dsp/log-mel';

/** Smart Turn v3 hears the last 8 s: 128 000 samples at 16 kHz → 800 frames of 80 mel bins. */
export const SMART_TURN_SECONDS = 8;
export const SMART_TURN_SAMPLES = SMART_TURN_SECONDS * WHISPER_MEL.sampleRate;
export const SMART_TURN_FRAMES = SMART_TURN_SAMPLES / WHISPER_MEL.hop;

/** The last 8 s of `audio`; shorter audio is zero-padded at the start, so speech ends where the model expects it. */
export function lastEightSeconds(audio: Float32Array): Float32Array {
  if (audio.length >= SMART_TURN_SAMPLES) return audio.slice(audio.length - SMART_TURN_SAMPLES);
  const out = new Float32Array(SMART_TURN_SAMPLES);
  out.set(audio, SMART_TURN_SAMPLES - audio.length);
  return out;
}

/**
 * `input_features` for Smart Turn v3, [80, 800] row-major: the last 8 s (zero-padded at the
 * start), normalized to zero mean and unit variance over those 8 s (the extractor's
 * `do_normalize=True`, variance + 1e-7), then {@link whisperLogMel}. The normalization
 * makes the features independent of the input's level.
 */
export function smartTurnFeatures(audio: Float32Array): Float32Array {
  const x = lastEightSeconds(audio);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  const mean = sum / x.length;
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += (x[i]! - mean) ** 2;
  const scale = 1 / Math.sqrt(sq / x.length + 1e-7);
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) * scale;
  return whisperLogMel(x).data;
}

/**
 * How to read the model's output:
 * - `probability`: it is P(complete) already. Smart Turn v3's export is (its output is
 *   named `logits`, but the exported graph ends in the classifier's sigmoid).
 * - `logit`: apply the sigmoid.
 * - `auto` (default): a single value within 0–1 is a probability, anything else a logit.
 *
 * Two values are the classes [incomplete, complete] (Smart Turn v1/v2 style): the softmax
 * of logits, or the second value itself with `probability`.
 */
export type SmartTurnOutput = 'auto' | 'probability' | 'logit';

/** P(turn complete) from the model's first output. NaN when the output holds no usable number. */
export function readProbability(data: ArrayLike<number>, how: SmartTurnOutput = 'auto'): number {
  if (data.length === 2 && how !== 'probability') {
    const [a, b] = [Number(data[0]), Number(data[1])];
    return 1 / (1 + Math.exp(a - b)); // softmax(...)[1]
  }
  if (data.length < 1) return NaN;
  const v = Number(data[data.length === 2 ? 1 : 0]);
  if (!Number.isFinite(v)) return NaN;
  if (how === 'logit' || (how === 'auto' && (v < 0 || v > 1))) return 1 / (1 + Math.exp(-v));
  return Math.min(1, Math.max(0, v));
}
