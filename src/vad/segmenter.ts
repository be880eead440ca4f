import { FrameProcessor, type FrameProcessorEvent } from '@ricky0123/vad-web/dist/frame-processor.js';
import { Message } from '@ricky0123/vad-web/dist/messages.js';
import { rms } from '../audio/dsp/level';
import { EnergyTrail } from './energy-trail';
import { VAD_FRAME_MS, VAD_FRAME_SAMPLES, VAD_SAMPLE_RATE, type VadOptions } from './options';

/** What the segmenter needs from a model: vad-web's `Silero` fits as is. */
export interface SpeechModel {
  process(frame: Float32Array): Promise<{ isSpeech: number; notSpeech: number }>;
  reset_state(): void;
}

/** Events in audio time: seconds since capture start (frame index × 32 ms). */
export type SegmenterEvent =
  /** `rms`: the frame's level (linear), for the echo gate: the same audio time as the probability. */
  | { type: 'frame'; at: number; probability: number; rms: number }
  /** `at`: onset (start of the first confirming frame); `confirmedAt`: when it was confirmed. */
  | { type: 'speech_started'; at: number; confirmedAt: number }
  /** `at`: when the silence reached `redemptionMs`; `lastSpeechAt`: estimated end of speech. */
  | { type: 'speech_ended'; at: number; startedAt: number; lastSpeechAt: number; audio: Float32Array }
  /** Speech was confirmed but the utterance held less than `minSpeechMs` of it. */
  | { type: 'misfire'; at: number; startedAt: number };

const frameStart = (index: number) => (index * VAD_FRAME_SAMPLES) / VAD_SAMPLE_RATE;

/**
 * vad-web's FrameProcessor still ends an unconfirmed segment (a click) on its own, with
 * this much more patience than ours; confirmed speech is ended by this class.
 */
const FRAME_PROCESSOR_EXTRA_REDEMPTION_MS = 1000;

/**
 * Silero v5 keeps scoring speech for a frame or three after the sound stops (measured on
 * the e2e fixtures: the last frame ≥ 0.5 ends 46–126 ms after the true end, 5 voices).
 * The end of speech is where the energy stops within that window; without energy to go
 * by, the typical trail is assumed.
 */
const SILERO_TRAIL_SEC = 0.064;
const SILERO_MAX_TRAIL_SEC = 0.128;
/** How far before the first confirming frame the energy may place the onset. */
const ONSET_LOOKBACK_SEC = 0.192;

/**
 * Turns per-frame speech probabilities into utterances. Buffering, pre-speech pad,
 * minimum speech and the utterance's audio are vad-web's FrameProcessor; this adds
 * onset confirmation, audio-time stamps, and an end of turn timed from where speech
 * really stopped: Silero's probability trails the audio by 50–100 ms, so counting the
 * redemption from its first low frame would make every turn end that much late.
 */
export class Segmenter {
  readonly #fp: FrameProcessor;
  readonly #trail = new EnergyTrail();
  #options: VadOptions;
  /** Onset candidate: first frame of the current run and its speech-frame count. */
  #runStart = -1;
  #runCount = 0;
  #onset = -1;
  #speechEnd = 0;

  constructor(model: SpeechModel, options: VadOptions) {
    this.#options = options;
    this.#fp = new FrameProcessor(
      (frame) => model.process(frame),
      () => model.reset_state(),
      toFrameProcessorOptions(options),
      VAD_FRAME_MS,
    );
    this.#fp.resume();
  }

  setOptions(options: VadOptions): void {
    this.#options = options;
    this.#fp.setOptions(toFrameProcessorOptions(options));
  }

  /** Drops any utterance in progress and the model's recurrent state. */
  reset(): void {
    this.#fp.reset();
    this.#clearOnset();
  }

  /** Processes frame number `index` (512 samples at 16 kHz). Frames must come in order. */
  async process(frame: Float32Array, index: number): Promise<SegmenterEvent[]> {
    const out: SegmenterEvent[] = [];
    const end = frameStart(index + 1);
    this.#trail.push(frame, end);
    const fpEvents: FrameProcessorEvent[] = [];
    await this.#fp.process(frame, (e) => fpEvents.push(e));
    let probability = 0;
    const level = rms(frame);
    for (const e of fpEvents) {
      if (e.msg === Message.FrameProcessed) {
        probability = e.probs.isSpeech;
        out.push({ type: 'frame', at: end, probability, rms: level });
        this.#trackOnset(probability, index, out);
      } else if (e.msg === Message.SpeechEnd || e.msg === Message.VADMisfire) {
        // FrameProcessor's own (longer) redemption ran out. Its SpeechStart/SpeechRealStart
        // must not get here: they would clear the onset run being counted.
        this.#onSegmentEnd(e, end, out);
      }
    }
    const o = this.#options;
    // Times are float seconds (e.g. 1.184 − 0.64 = 0.5439999…): a µs of slack keeps an
    // exact boundary from slipping to the next frame.
    const silentFor = (end - this.#speechEnd) * 1000 + 1e-3;
    if (this.#onset >= 0 && probability < o.negativeSpeechThreshold && silentFor >= o.redemptionMs - VAD_FRAME_MS / 2) {
      const ended: FrameProcessorEvent[] = [];
      this.#fp.endSegment((e) => ended.push(e));
      for (const e of ended) this.#onSegmentEnd(e, end, out);
    }
    return out;
  }

  #onSegmentEnd(e: FrameProcessorEvent, at: number, out: SegmenterEvent[]): void {
    if (this.#onset < 0) return this.#clearOnset(); // never confirmed: a click, nothing to report
    if (e.msg === Message.SpeechEnd) {
      out.push({ type: 'speech_ended', at, startedAt: this.#onset, lastSpeechAt: this.#speechEnd, audio: e.audio });
    } else if (e.msg === Message.VADMisfire) {
      out.push({ type: 'misfire', at, startedAt: this.#onset });
    } else return;
    this.#clearOnset();
  }

  #trackOnset(p: number, index: number, out: SegmenterEvent[]): void {
    const { positiveSpeechThreshold: pos, negativeSpeechThreshold: neg, onsetFrames } = this.#options;
    if (p >= pos) {
      // Where the sound stopped inside the frames still scored as speech: the energy's
      // last loud block, but never earlier than the model's known trail allows.
      const frameEnd = frameStart(index + 1);
      const loud = this.#trail.lastLoudEnd(frameEnd);
      this.#speechEnd = loud === null ? frameEnd - SILERO_TRAIL_SEC : Math.max(loud, frameEnd - SILERO_MAX_TRAIL_SEC);
    }
    if (this.#onset >= 0) return;
    if (p >= pos) {
      if (this.#runStart < 0) this.#runStart = index;
      this.#runCount++;
    } else if (p < neg) {
      this.#runStart = -1;
      this.#runCount = 0;
    }
    if (this.#runCount >= onsetFrames) {
      // A dip inside the first syllables can restart the run: the energy finds where the
      // sound leading into it began.
      const runStart = frameStart(this.#runStart);
      this.#onset = Math.min(runStart, this.#trail.soundStart(runStart, ONSET_LOOKBACK_SEC) ?? runStart);
      out.push({ type: 'speech_started', at: this.#onset, confirmedAt: frameStart(index + 1) });
    }
  }

  #clearOnset(): void {
    this.#runStart = -1;
    this.#runCount = 0;
    this.#onset = -1;
  }
}

function toFrameProcessorOptions(o: VadOptions) {
  return {
    positiveSpeechThreshold: o.positiveSpeechThreshold,
    negativeSpeechThreshold: o.negativeSpeechThreshold,
    redemptionMs: o.redemptionMs + FRAME_PROCESSOR_EXTRA_REDEMPTION_MS,
    preSpeechPadMs: Math.round(o.preSpeechPadMs / VAD_FRAME_MS) * VAD_FRAME_MS,
    minSpeechMs: o.minSpeechMs,
    submitUserSpeechOnPause: false,
  };
}
