/**
 * Messages between the main thread, the two AudioWorklets and the VAD worker.
 * Shared by every realm, so both sides agree on the shapes at compile time.
 */

/** Registered processor names. */
export const CAPTURE_PROCESSOR = 'earshot-capture';
export const MIXER_PROCESSOR = 'earshot-mixer';

/** The mixer's buses, in the order they are summed. */
export const BUSES = ['voice', 'background', 'thinking'] as const;
export type BusName = (typeof BUSES)[number];

// ---------------------------------------------------------------- capture

/** `processorOptions` of the capture worklet. */
export interface CaptureOptions {
  /** Output rate of the frames, Hz. 16000 for the VAD; the context rate for a tap. */
  targetRate: number;
  /** Samples per posted frame at `targetRate` (512 = 32 ms at 16 kHz for Silero v5). */
  frameSize: number;
  /** Post an input level on `node.port` about every this many ms; 0 disables. */
  levelIntervalMs: number;
  /** Tone detectors run on the frames' audio, reported on `node.port`. Default none. */
  detectors?: CaptureDetector[];
}

/** Detectors the capture worklet can run: DTMF key presses, answering-machine beeps. */
export type CaptureDetector = 'dtmf' | 'beep';

// Integers only: the audio thread then makes no heap numbers for them.

/** A DTMF key press began at frame sample `sample` (at `targetRate`, since capture start). */
export interface DetectedDigit {
  type: 'dtmf';
  /** `0`–`9`, `*`, `#`, `A`–`D`. */
  digit: string;
  sample: number;
}

/** A beep (steady tone) ended at frame sample `sample`; its length (ms) and pitch (Hz, rounded). */
export interface DetectedBeep {
  type: 'beep';
  sample: number;
  durationMs: number;
  hz: number;
}

/** One frame of captured audio. `index` counts frames since capture start (audio time). */
export interface CaptureFrame {
  type: 'frame';
  index: number;
  samples: Float32Array;
}

/** Main thread → capture worklet. */
export type CaptureCommand =
  /** Sends frames to this port (the VAD worker) instead of `node.port`. */
  | { type: 'connect'; port: MessagePort }
  | { type: 'stop' };

/** Capture worklet → main thread (`node.port`). Frames go here only when no port is connected. */
export type CaptureEvent =
  /** First render quantum: the context frame at which audio time 0 lies. */
  | { type: 'started'; contextFrame: number }
  | { type: 'level'; rms: number; peak: number; contextFrame: number }
  | DetectedDigit
  | DetectedBeep
  | CaptureFrame;

// ---------------------------------------------------------------- mixer

/** `processorOptions` of the mixer worklet. */
export interface MixerOptions {
  /** Audio a stream must have queued before it starts or resumes, ms. */
  prebufferMs: number;
  /** Background gain while the voice bus plays, dB (negative). */
  duckDb: number;
  /** Duck attack and release ramps, ms. */
  duckAttackMs: number;
  duckReleaseMs: number;
  /** Fade applied by `flush` and `stop`, ms (≤ 5 keeps a cut short yet click-free). */
  fadeMs: number;
  /** Post status (levels, playout positions) about every this many ms. */
  statusIntervalMs: number;
}

/** Defaults of the mixer; every field can be overridden at creation or by `configure`. */
export const DEFAULT_MIXER_OPTIONS: MixerOptions = {
  prebufferMs: 40,
  duckDb: -12,
  duckAttackMs: 30,
  duckReleaseMs: 250,
  fadeMs: 4,
  statusIntervalMs: 33,
};

/**
 * Main thread → mixer worklet. Sample data is at `rate` Hz (default: the context rate); the
 * worklet resamples, so the main thread holds no resampler and does no filtering.
 */
export type MixerCommand =
  /** Appends audio to stream `id` (created on first push, queued behind the bus's other sources). */
  | { type: 'push'; id: number; bus: BusName; samples: Float32Array; rate?: number; end?: boolean }
  /** No more audio will be pushed to stream `id`. */
  | { type: 'end'; id: number }
  /** Plays a whole buffer, optionally looped, on a bus. */
  | { type: 'play'; id: number; bus: BusName; samples: Float32Array; rate?: number; loop: boolean }
  /** Fades out and removes one source. */
  | { type: 'stop'; id: number }
  /** Fades out the playing source of a bus and drops everything queued on it. */
  | { type: 'flush'; bus: BusName }
  /** Ramps a bus gain (linear) over `rampMs`, from context frame `atFrame` if given (else now); replaces a change still waiting. */
  | { type: 'gain'; bus: BusName; gain: number; rampMs: number; atFrame?: number }
  | { type: 'configure'; options: Partial<MixerOptions> }
  /** Takes commands from `port` too (a worker's: its audio skips the main thread). */
  | { type: 'connect'; port: MessagePort };

/** Why a source left the mixer. */
export type SourceEndReason = 'done' | 'flushed' | 'stopped';

/** Mixer worklet → main thread. `frame` is the context frame (`currentFrame`) of the event. */
export type MixerEvent =
  | { type: 'started'; id: number; bus: BusName; frame: number }
  /** `rendered`: samples of this source that reached the output (after fades: what was heard). */
  | { type: 'ended'; id: number; bus: BusName; rendered: number; frame: number; reason: SourceEndReason }
  /** `rendered`: samples of the source played before it ran dry (where in the utterance it starved). */
  | { type: 'underrun'; id: number; bus: BusName; frame: number; rendered: number }
  | {
      type: 'status';
      frame: number;
      rms: number;
      peak: number;
      underruns: number;
      playing: { id: number; bus: BusName; rendered: number }[];
    };
