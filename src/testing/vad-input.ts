import type { SileroVAD } from '../vad/silero-vad';

/** VAD input rate (Hz): Silero runs at 16 kHz. */
const RATE = 16000;

/** What {@link recordVadInput} has recorded. */
export interface VadInputRecording {
  /**
   * The VAD's input so far: 16 kHz mono, sample 0 at audio time 0 (capture start), so a
   * sample's index / 16000 is the audio time the VAD's events use. A frame not received is
   * silence.
   */
  samples(): Float32Array;
  /** Frames recorded so far (512 samples each). */
  readonly frames: number;
  /** Stops recording. The VAD keeps posting its frames (`vad_audio`) until it is closed. */
  stop(): void;
}

/**
 * Records the audio a {@link SileroVAD} processes, on its own clock, to check its timing
 * against what reached it rather than against the source file: a microphone path (a fake
 * device, a `MediaStream` between contexts) may delay, pad or drop audio when the audio
 * thread misses deadlines. Call before `vad.start()` to have every frame from the first.
 */
export function recordVadInput(vad: Pick<SileroVAD, 'on' | 'tapAudio'>): VadInputRecording {
  const frames: { at: number; samples: Float32Array }[] = [];
  vad.tapAudio(true);
  const off = vad.on('vad_audio', (f) => frames.push(f));
  return {
    get frames() {
      return frames.length;
    },
    samples() {
      let n = 0;
      for (const f of frames) n = Math.max(n, Math.round(f.at * RATE) + f.samples.length);
      const out = new Float32Array(n);
      for (const f of frames) out.set(f.samples, Math.round(f.at * RATE));
      return out;
    },
    stop: off,
  };
}
