// What a session needs from its audio and its VAD, as interfaces: the real AudioEngine and
// SileroVAD by default; `earshot/testing`'s VirtualAudio and ScriptedVAD run the same
// session logic in Node (no browser, fake timers). Types only: nothing here reaches a bundle.
import type { AudioEngineEvents } from '../audio/engine';
import type { Mixer } from '../audio/mixer';
import type { CaptureDetector } from '../audio/worklet-protocol';
import type { VadOptions } from '../vad/options';
import type { Emitter } from '../events';
import type { FrameSource, VadEvents } from '../vad/silero-vad';

/** The clock and decoder of the audio graph (an AudioContext, or a stand-in). */
export type AudioClock = Pick<BaseAudioContext, 'sampleRate' | 'currentTime' | 'decodeAudioData'>;

/** The microphone as the session uses it: reopened on the default device when it ends. */
export interface SessionMicrophone {
  readonly deviceId: string | undefined;
  readonly track: { readonly label: string } | null;
  open(deviceId?: string): Promise<void>;
}

/** The audio graph a session runs on: `AudioEngine`, or a stand-in in tests. */
export interface SessionAudio extends Emitter<AudioEngineEvents>, FrameSource {
  readonly context: AudioClock;
  readonly mixer: Mixer;
  readonly microphone: SessionMicrophone;
  /** Context frame at which capture (the VAD's audio time 0) began. */
  readonly captureStartFrame: Promise<number>;
  /**
   * Builds the graph and opens the mic; `beforeMic` is awaited first (the VAD's load);
   * `detectors` run on the mic audio (`dtmf_detected`, `beep_detected`).
   */
  start(options?: { beforeMic?: PromiseLike<unknown>; detectors?: CaptureDetector[] }): Promise<void>;
  /** Resumes output (autoplay policy). */
  unlock(): Promise<unknown>;
  close(): Promise<void>;
}

/** The VAD as the session uses it: `SileroVAD`, or a stand-in in tests. */
export interface SessionVAD extends Emitter<VadEvents> {
  readonly options: Readonly<VadOptions>;
  /** Loads the model without a source. */
  preload(): Promise<void>;
  /** Processes `source`'s frames; resolves when the model runs. */
  start(source: FrameSource): Promise<void>;
  /** Turns `vad_audio` (every frame's samples) on or off: a streaming STT listens to it. */
  tapAudio(on: boolean): void;
  close(): void;
}
