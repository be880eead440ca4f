import { ConfigError } from '../errors';
import type { AudioEngineOptions } from '../audio/engine';
import type { LLM, STT, StreamingSTT, TTS } from '../providers/types';
import { SileroVAD } from '../vad/silero-vad';
import { DEFAULT_INTERRUPT_CONFIG, type InterruptConfig } from '../turn/barge-in';
import { validateEouConfig } from '../turn/eou-policy';
import type { TurnDetector } from '../turn/turn-detector';
import type { SessionVAD } from './session-audio';
import { realtimeModel, type RealtimeModel } from './realtime-hook';

/** End-of-utterance settings (the seed's `EOUConfig`). */
export interface EOUConfig {
  /**
   * Who says the user stopped. `'vad'` (default): the VAD's end of speech (its
   * `redemptionMs` of silence) plus the wait below; a streaming STT is then asked to
   * settle its transcript (Deepgram `Finalize`). `'stt'`: the streaming STT's own end of
   * turn (Deepgram endpointing, Flux EndOfTurn), usually sooner; if the VAD has ended and
   * the STT has not within the max wait, the transcript is settled then. `'stt'` needs a
   * streaming STT. `dynamicEndpointing()` (from `earshot/turn`): like `'vad'`, but the wait
   * after the VAD's end is learned from this user's pauses (those after which they went on
   * before the agent answered), within `minMaxSpeechWaitTimeout`, starting at `min`.
   */
  endpointing: 'vad' | 'stt' | EndpointLearnerFactory;
  /**
   * Says how likely the user's turn is complete, from its transcript (and audio): e.g.
   * `TextTurnDetector` (`earshot/turn`) or `SmartTurnDetector` (`earshot/smart-turn`). With
   * one, once the transcript is in, the session waits `eouDelaySec(probability, this)` for
   * more speech (speech in that time joins the turn); without one, it waits `min` after the
   * VAD's end of speech. Its failure is reported and the wait is `max`.
   */
  turnDetector?: TurnDetector;
  /**
   * How a turn detector's probability becomes a wait: `DEFAULT`, `min` if it reaches
   * `eouCertaintyThreshold`, else `max`; `ADAPTIVE`, `min + (max − min) × (1 − p)`.
   */
  mode: 'DEFAULT' | 'ADAPTIVE';
  /**
   * Extra wait for more speech, [min, max] seconds. Default [0, 0.8]: the VAD's
   * `redemptionMs` (560 ms) already is the silence that ends a turn, so the original's
   * 0.5 s on top of it is dropped (it only added latency in our measurements). With
   * `endpointing: 'stt'`, `max` also bounds the wait for the provider after the VAD's end.
   */
  minMaxSpeechWaitTimeout: [number, number];
  /** A turn detector's probability at or above which the turn counts as complete (`DEFAULT`). Default 0.75. */
  eouCertaintyThreshold: number;
}

/** Learns the wait after the VAD's end of speech from this user's pauses: `earshot/turn`'s `dynamicEndpointing()`. */
export interface EndpointLearner {
  /** Extra wait after the VAD's end of speech, ms. */
  readonly waitMs: number;
  /** The user began speaking at `at` (audio time, s). */
  speechStarted(at: number): void;
  /** Each VAD frame, with the VAD's thresholds. */
  frame(probability: number, positive: number, negative: number): void;
  /** The VAD ended an utterance; `lastSpeechAt`: where the speech stopped (audio time, s). */
  speechEnded(lastSpeechAt: number): void;
  /** The agent is speaking. */
  agentSpoke(): void;
}

/** Makes a session's {@link EndpointLearner}: `redemptionSec` the VAD's, `minMax` the EOU wait bounds, s. */
export type EndpointLearnerFactory = (redemptionSec: number, minMax: readonly [number, number]) => EndpointLearner;

export const DEFAULT_EOU_CONFIG: EOUConfig = { endpointing: 'vad', mode: 'DEFAULT', minMaxSpeechWaitTimeout: [0, 0.8], eouCertaintyThreshold: 0.75 };

/**
 * Time limits, all in ms (0 or `Infinity`: no limit). A limit that fires ends that step
 * with a typed error (`provider-timeout`, `tool-timeout`, emitted as `error`) and the turn
 * moves on; the step's signal aborts.
 */
export interface Timeouts {
  /** STT: from sending the utterance to each transcript chunk (the final one included). Default 15 000. */
  sttMs: number;
  /** LLM: from the request to its first chunk (retries included). Default 15 000. */
  llmFirstTokenMs: number;
  /** LLM: between chunks once streaming. Default 10 000. */
  llmStallMs: number;
  /** TTS: from the request to the first audio (retries included). Default 10 000. */
  ttsFirstByteMs: number;
  /** TTS: between audio chunks once streaming. Default 10 000. */
  ttsStallMs: number;
  /** One tool call (a tool's own `timeoutMs` wins). Default 30 000. */
  toolMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { sttMs: 15_000, llmFirstTokenMs: 15_000, llmStallMs: 10_000, ttsFirstByteMs: 10_000, ttsStallMs: 10_000, toolMs: 30_000 };

/**
 * A cascade (`stt`, `llm`, `tts`), or a realtime speech-to-speech model as `llm` alone
 * (e.g. `OpenAIRealtime` from `earshot/realtime`): it hears and speaks itself.
 */
export type PipelineOptions = PipelineSettings &
  (
    | {
        /** Batch (`OpenAISTT`: one request per utterance) or streaming (`DeepgramSTT`, `DeepgramFluxSTT`). */
        stt: STT | StreamingSTT;
        llm: LLM;
        tts: TTS;
      }
    | { llm: RealtimeModel; stt?: undefined; tts?: undefined }
  );

/** What every pipeline takes besides its models. */
export interface PipelineSettings {
  /** Default: a `SileroVAD` with its defaults (any {@link SessionVAD} works, e.g. a test's stand-in). */
  vad?: SessionVAD;
  eou?: Partial<EOUConfig>;
  interrupt?: Partial<InterruptConfig>;
  /** Audio engine options (mic constraints, mixer, output device, level cadence). */
  audio?: AudioEngineOptions;
  /** LLM rounds with tools per turn before a final answer is forced. Default 8. */
  maxToolSteps?: number;
  /** Time limits per provider call and tool (ms); see {@link Timeouts}. */
  timeouts?: Partial<Timeouts>;
  /**
   * How far TTS may run ahead of playback, in seconds of audio: synthesis of more audio
   * (and the next sentence's request) waits until playback is closer. Default 10.
   */
  ttsLeadSec?: number;
  /**
   * With a streaming STT: once the user has been silent ~130 ms with a transcript (or Flux
   * says EagerEndOfTurn), start the LLM, and the TTS of its first sentence, into a held
   * buffer. If the committed transcript is the same, the answer plays at once; if the user
   * goes on or the words differ, it is dropped without a trace. Costs LLM and TTS requests
   * that are sometimes thrown away. Default true.
   */
  preemptiveGeneration?: boolean;
}

/**
 * The stages of the conversation, as in the Python framework: give it STT, LLM and TTS
 * for a cascade, or a realtime speech-to-speech model as `llm` alone.
 */
export class Pipeline {
  readonly stt: STT | StreamingSTT;
  readonly llm: LLM;
  readonly tts: TTS;
  readonly vad: SessionVAD;
  readonly eou: EOUConfig;
  readonly interrupt: InterruptConfig;
  readonly audio: AudioEngineOptions;
  readonly maxToolSteps: number;
  readonly timeouts: Timeouts;
  readonly ttsLeadSec: number;
  readonly preemptiveGeneration: boolean;

  /** The STT if it streams (has `stream()`), else null. */
  get streamingStt(): StreamingSTT | null {
    return 'stream' in this.stt && typeof this.stt.stream === 'function' ? this.stt : null;
  }

  /** The STT if it transcribes whole utterances (has `transcribe()`), else null. */
  get batchStt(): STT | null {
    return 'transcribe' in this.stt && typeof this.stt.transcribe === 'function' ? this.stt : null;
  }

  constructor(options: PipelineOptions) {
    const { llm } = options;
    // A realtime model hears and speaks itself: the cascade's STT and TTS stand aside.
    const realtime = llm && realtimeModel(llm);
    const stt = options.stt ?? (realtime ? unused('stt') : undefined);
    const tts = options.tts ?? (realtime ? unused('tts') : undefined);
    if (!stt || !llm || !tts) {
      const missing = [!stt && 'stt', !llm && 'llm', !tts && 'tts'].filter(Boolean).join(', ');
      throw new ConfigError(`Pipeline: a cascade needs stt, llm and tts (missing: ${missing})`);
    }
    this.stt = stt;
    if (!this.streamingStt && !this.batchStt) throw new ConfigError('Pipeline: stt needs transcribe() (batch) or stream() (streaming)');
    if (this.streamingStt && typeof this.streamingStt.userInput !== 'function') {
      throw new ConfigError(`Pipeline: ${this.streamingStt.label} streams, but has no userInput: set it to streamingUserInput from 'earshot/streaming'`);
    }
    // The VAD's frames go up as they are (16 kHz): no resampler in the page for the rare other rate.
    if (this.streamingStt && this.streamingStt.sampleRate !== 16000) throw new ConfigError(`Pipeline: a streaming STT must take 16 kHz audio (the VAD's frames); ${this.streamingStt.label} takes ${this.streamingStt.sampleRate} Hz`);
    this.llm = llm;
    this.tts = tts;
    this.vad = options.vad ?? new SileroVAD();
    this.eou = { ...DEFAULT_EOU_CONFIG, ...options.eou };
    validateEouConfig(this.eou);
    if (this.eou.turnDetector !== undefined && typeof this.eou.turnDetector?.predict !== 'function') throw new ConfigError('eou.turnDetector must have predict()');
    const e = this.eou.endpointing;
    if (e !== 'vad' && e !== 'stt' && typeof e !== 'function') throw new ConfigError("eou.endpointing must be 'vad', 'stt' or dynamicEndpointing() (earshot/turn)");
    if (this.eou.endpointing === 'stt' && !this.streamingStt) throw new ConfigError("eou.endpointing 'stt' needs a streaming STT (one with stream(), e.g. DeepgramSTT)");
    this.interrupt = { ...DEFAULT_INTERRUPT_CONFIG, ...options.interrupt };
    if (!['HYBRID', 'VAD_ONLY', 'STT_ONLY'].includes(this.interrupt.mode)) throw new ConfigError("interrupt.mode must be 'HYBRID', 'VAD_ONLY' or 'STT_ONLY'");
    if (!(Number.isInteger(this.interrupt.minWords) && this.interrupt.minWords >= 0)) throw new ConfigError('interrupt.minWords must be a whole number ≥ 0');
    if (!Array.isArray(this.interrupt.backchannels) || !this.interrupt.backchannels.every((b) => typeof b === 'string')) throw new ConfigError('interrupt.backchannels must be an array of strings');
    if (!(this.interrupt.minInterruptionMs > 0)) throw new ConfigError('interrupt.minInterruptionMs must be positive');
    if (!(this.interrupt.minConfidence >= 0 && this.interrupt.minConfidence <= 1)) throw new ConfigError('interrupt.minConfidence must be between 0 and 1');
    this.audio = options.audio ?? {};
    this.maxToolSteps = options.maxToolSteps ?? 8;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    for (const [key, ms] of Object.entries(this.timeouts)) {
      if (!(typeof ms === 'number' && ms >= 0)) throw new ConfigError(`timeouts.${key} must be a number of ms ≥ 0 (0: no limit)`);
    }
    this.ttsLeadSec = options.ttsLeadSec ?? 10;
    this.preemptiveGeneration = options.preemptiveGeneration ?? true;
    if (!(this.ttsLeadSec > 0)) throw new ConfigError('ttsLeadSec must be a positive number of seconds');
  }
}

/** A stage a realtime pipeline does not have: using it is a ConfigError. */
function unused(stage: 'stt' | 'tts'): STT & TTS {
  const fail = (): never => {
    throw new ConfigError(`Pipeline: a realtime model has no separate ${stage}`);
  };
  return { label: `none (${stage})`, sampleRate: 24000, transcribe: fail, synthesize: fail } as unknown as STT & TTS;
}
