/** Options of {@link SileroVAD}; every field is optional at the API surface. */
export interface VadOptions {
  /** Probability at or above which a frame counts as speech (0–1). Default 0.5, Silero's own. */
  positiveSpeechThreshold: number;
  /** Probability below which a frame counts as silence (0–1). Default 0.35 (Silero: threshold − 0.15). */
  negativeSpeechThreshold: number;
  /**
   * Silence after speech that ends the utterance, ms. Rounded to whole 32 ms frames.
   * Default 560: a conversational pause (vad-web's 1400 ms is tuned for dictation).
   */
  redemptionMs: number;
  /** An utterance with less speech than this is discarded as a misfire, ms. Default 250. */
  minSpeechMs: number;
  /** Audio kept before the onset and returned with the utterance, ms. Default 320. */
  preSpeechPadMs: number;
  /**
   * Speech frames (32 ms each) needed to confirm an onset; frames under
   * `negativeSpeechThreshold` restart the count. Keeps a click from starting speech
   * (vad-web#260). Default 3. The reported onset time is that of the first of them.
   */
  onsetFrames: number;
}

export const DEFAULT_VAD_OPTIONS: VadOptions = {
  positiveSpeechThreshold: 0.5,
  negativeSpeechThreshold: 0.35,
  redemptionMs: 560,
  minSpeechMs: 250,
  preSpeechPadMs: 320,
  onsetFrames: 3,
};

/** Silero v5 works on 512-sample frames at 16 kHz: 32 ms each. */
export const VAD_SAMPLE_RATE = 16000;
export const VAD_FRAME_SAMPLES = 512;
export const VAD_FRAME_MS = (VAD_FRAME_SAMPLES / VAD_SAMPLE_RATE) * 1000;
