import { EventHub } from '../events';
import type { SessionVAD } from '../session/session-audio';
import { DEFAULT_VAD_OPTIONS, VAD_FRAME_SAMPLES, VAD_SAMPLE_RATE, type VadOptions } from '../vad/options';
import type { VadEvents } from '../vad/silero-vad';

const FRAME_SEC = VAD_FRAME_SAMPLES / VAD_SAMPLE_RATE;

/** How a stretch of scripted user speech sounds to the VAD. */
export interface ScriptedSpeechOptions {
  /** The frames' level, linear RMS. Default 0.1 (−20 dBFS). */
  rms?: number;
  /** The model's speech probability on these frames. Default 0.9. */
  probability?: number;
}

interface Stretch {
  frames: number;
  speech: boolean;
  rms: number;
  probability: number;
  done?: () => void;
}

/**
 * A VAD that hears what the test says the user says, for running an `AgentSession` in Node
 * with `VirtualAudio`: a 32 ms frame every 32 ms of the timers' clock (silence unless
 * speech is queued), and the same segmentation as Silero's worker (onset after
 * `onsetFrames`, end after `redemptionMs` of silence, misfires under `minSpeechMs`).
 *
 * ```ts
 * const vad = new ScriptedVAD();
 * const pipeline = new Pipeline({ stt, llm, tts, vad });
 * const ended = vad.speak(1.2); // 1.2 s of speech from now (after anything queued)
 * await vi.advanceTimersByTimeAsync(2000);
 * ```
 */
export class ScriptedVAD extends EventHub<VadEvents> implements SessionVAD {
  readonly options: Readonly<VadOptions>;
  /** Times `start()` was called. */
  starts = 0;
  closed = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #frame = 0;
  readonly #queue: Stretch[] = [];
  #tap = false;
  /** Speech frames in a row before an onset. */
  #run = 0;
  /** The utterance being segmented. */
  #utterance: { startedAt: number; lastSpeechAt: number; silent: number; frames: number; rms: number; done: (() => void)[] } | null = null;

  constructor(options: Partial<VadOptions> = {}) {
    super();
    this.options = { ...DEFAULT_VAD_OPTIONS, ...options };
  }

  /**
   * Queues `seconds` of user speech after what is already queued. Resolves when the VAD
   * has ended the utterance it belongs to (`speech_ended` or `speech_misfired`).
   */
  speak(seconds: number, options: ScriptedSpeechOptions = {}): Promise<void> {
    return new Promise((done) => this.#queue.push({ frames: Math.max(1, Math.round(seconds / FRAME_SEC)), speech: true, rms: options.rms ?? 0.1, probability: options.probability ?? 0.9, done }));
  }

  /** Queues `seconds` of silence (e.g. a pause inside a sentence). */
  pause(seconds: number): void {
    this.#queue.push({ frames: Math.max(1, Math.round(seconds / FRAME_SEC)), speech: false, rms: 0, probability: 0.02 });
  }

  /** ms `start()` takes, as a model loading: queued speech waits, as Silero's worker queues frames. Default 0. */
  loadMs = 0;
  /** `start()` rejects with this after `loadMs`: a model that failed to load. Default none. */
  loadError: Error | null = null;

  async preload(): Promise<void> {}

  async start(): Promise<void> {
    this.starts++;
    this.closed = false;
    if (this.loadMs > 0) await new Promise((r) => setTimeout(r, this.loadMs));
    if (this.loadError) throw this.loadError;
    if (!this.closed) this.#timer ??= setInterval(() => this.#next(), FRAME_SEC * 1000);
  }

  tapAudio(on: boolean): void {
    this.#tap = on;
  }

  close(): void {
    this.closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #next(): void {
    const head = this.#queue[0];
    const speech = head?.speech ?? false;
    const rms = head?.rms ?? 0;
    const probability = head?.probability ?? 0.02;
    const done = head?.done;
    if (head && --head.frames <= 0) this.#queue.shift();
    const start = this.#frame * FRAME_SEC;
    const at = ++this.#frame * FRAME_SEC;
    if (this.#tap) this.emit('vad_audio', { at: start, samples: tone(VAD_FRAME_SAMPLES, rms) });
    this.emit('vad_frame', { at, probability, rms, inferenceMs: 0, runMs: 0 });
    this.#segment(at, speech, rms, head && head.frames <= 0 ? done : undefined);
  }

  /** Silero's worker logic, on the scripted frames. */
  #segment(at: number, speech: boolean, rms: number, done?: () => void): void {
    const o = this.options;
    const u = this.#utterance;
    if (!u) {
      this.#run = speech ? this.#run + 1 : 0;
      if (this.#run === o.onsetFrames) {
        const onset = at - this.#run * FRAME_SEC;
        this.#utterance = { startedAt: onset, lastSpeechAt: at, silent: 0, frames: this.#run, rms, done: done ? [done] : [] };
        this.#run = 0;
        this.emit('speech_started', { at: onset, confirmedAt: at });
      } else done?.(); // a stretch too short for an onset: nothing to end
      return;
    }
    if (done) u.done.push(done);
    if (speech) {
      u.lastSpeechAt = at;
      u.silent = 0;
      u.frames++;
      return;
    }
    if (++u.silent * FRAME_SEC * 1000 < o.redemptionMs) return;
    this.#utterance = null;
    if (u.frames * FRAME_SEC * 1000 < o.minSpeechMs) this.emit('speech_misfired', { at, startedAt: u.startedAt });
    else {
      const padded = u.lastSpeechAt - u.startedAt + o.preSpeechPadMs / 1000;
      this.emit('speech_ended', { at, startedAt: u.startedAt, lastSpeechAt: u.lastSpeechAt, audio: tone(Math.round(padded * VAD_SAMPLE_RATE), u.rms) });
    }
    for (const d of u.done) d();
  }
}

/** A 220 Hz tone of RMS `rms` standing for the user's voice. */
function tone(n: number, rms: number): Float32Array {
  const out = new Float32Array(n);
  const amp = rms * Math.SQRT2;
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * 220 * i) / VAD_SAMPLE_RATE);
  return out;
}
