import { TurnClock } from '../telemetry/turn-metrics';
import { substantiveWords } from '../turn/backchannel';
import { STT_WAIT_MS, type BargeInAction } from '../turn/barge-in';
import { sameText } from '../turn/prefetch';
import type { Turn } from '../turn/turn';
import type { StreamingHost, StreamingInput } from './streaming';
import { Speculation } from './speculation';
import { StreamTranscriber } from './stt-stream';

/** Speech frames the echo gate must give to the user for an utterance to be theirs (as in user-input.ts). */
const USER_FRAMES = 3;
/** Silent VAD frames (32 ms) after the user's speech before an answer is prepared ahead (≈ 130 ms; the VAD itself trails the audio by 50–100 ms). */
const PREEMPT_FRAMES = 4;

/**
 * The user's input with a streaming STT: the VAD's frames go up as they are captured, the
 * transcript comes back while the user speaks, the turn ends where `eou.endpointing` says,
 * and words take part in barge-in (`interrupt.mode`, `minWords`, `backchannels`).
 */
export class StreamingUserInput implements StreamingInput {
  readonly #host: StreamingHost;
  readonly #stt: StreamTranscriber;
  readonly #offs: (() => void)[] = [];
  /** `endpointing: 'stt'`: the provider ended a turn during this utterance. */
  #committed = false;
  /** `endpointing: 'stt'`: the VAD ended but the provider has not; settle after the max wait. */
  #fallback: ReturnType<typeof setTimeout> | null = null;
  /** HYBRID: the VAD confirmed; waiting for words that are not backchannels. */
  #gate: { turn: Turn; at: number } | null = null;
  /** An answer being prepared ahead (preemptive generation), and the silent frames so far. */
  #speculation: Speculation | null = null;
  #silent = 0;

  constructor(host: StreamingHost) {
    this.#host = host;
    const { pipeline } = host;
    const vad = pipeline.vad;
    this.#stt = new StreamTranscriber({
      stt: pipeline.streamingStt!,
      preRollSec: vad.options.preSpeechPadMs / 1000,
      settleTimeoutMs: pipeline.timeouts.sttMs,
      onInterim: (text) => this.#interim(text),
      onEndOfTurn: () => this.#providerEndOfTurn(),
      onEager: (text) => this.#prepare(text),
      onResumed: () => this.#dropSpeculation(),
      onError: (error) => host.sttError(error),
    });
    vad.tapAudio(true);
    this.#offs.push(vad.on('vad_audio', (e) => this.#stt.push(e.at, e.samples)), () => vad.tapAudio(false));
  }

  speechStarted(at: number): void {
    this.#dropSpeculation();
    this.#clearFallback();
    this.#committed = false;
    this.#stt.speechStarted(at);
  }

  speechEnded(real: boolean, at: number, audio: Float32Array, clock: TurnClock): boolean {
    this.#stt.speechEnded();
    if (this.#gate) this.#cancelGate(at);
    if (!real) {
      // Only the agent's echo: what the provider made of it is dropped.
      if (!this.#committed) void this.#stt.settle();
      this.#dropSpeculation();
      return true;
    }
    if (this.#host.pipeline.eou.endpointing !== 'stt') return false;
    // The provider decides; if it has not within the max wait after the VAD's end, settle.
    const since = this.#host.since();
    const overAgent = this.#host.overAgent();
    this.#fallback = setTimeout(() => {
      this.#fallback = null;
      this.#committed = true;
      this.#host.commit({ audio, text: this.#stt.settle(since), overAgent, ...this.#handOver() }, clock);
    }, this.#host.pipeline.eou.minMaxSpeechWaitTimeout[1] * 1000);
    return true;
  }

  settle(since: number): Promise<string> {
    return this.#stt.settle(since);
  }

  confirmed(turn: Turn, at: number): void {
    this.#gate = { turn, at };
    this.#checkGate(at);
  }

  frame(at: number, probability: number, action: BargeInAction): boolean {
    this.#preempt(probability);
    if (!this.#gate) return false;
    if (action === 'release') this.#cancelGate(at);
    else this.#checkGate(at);
    return true;
  }

  takePrefetch(): Speculation | undefined {
    return this.#handOver().prefetch;
  }

  dispose(): void {
    this.#dropSpeculation();
    for (const off of this.#offs) off();
    this.#clearFallback();
    this.#stt.close();
  }

  /** `endpointing: 'stt'`: the provider ended the user's turn (before or after the VAD did). */
  #providerEndOfTurn(): void {
    const host = this.#host;
    if (!host.accepting || host.pipeline.eou.endpointing !== 'stt') return;
    // Only the user's speech makes a turn (the provider also hears the agent's echo): new
    // frames of theirs since the last turn, or an utterance the VAD already ended.
    if (host.userFrames() < USER_FRAMES && this.#fallback === null) return;
    this.#clearFallback();
    host.resetUserFrames();
    this.#committed = true;
    const clock = new TurnClock();
    clock.endpoint = clock.speechEnd = performance.now();
    host.commit({ audio: new Float32Array(0), text: this.#stt.settle(host.since()), overAgent: host.overAgent(), ...this.#handOver() }, clock);
  }

  /**
   * Preemptive generation: after ~130 ms of silence in a turn of the user's (not over the
   * agent), prepare the answer to the transcript so far. Speech again drops it.
   */
  #preempt(probability: number): void {
    const host = this.#host;
    const vad = host.pipeline.vad.options;
    if (probability >= vad.positiveSpeechThreshold) {
      this.#silent = 0;
      this.#dropSpeculation(); // the user goes on
      return;
    }
    if (probability >= vad.negativeSpeechThreshold || ++this.#silent !== PREEMPT_FRAMES) return;
    if (host.userFrames() < USER_FRAMES || host.activeTurn()) return;
    this.#prepare(this.#stt.text(host.since()));
  }

  #prepare(text: string): void {
    const host = this.#host;
    if (!host.accepting || !host.pipeline.preemptiveGeneration || !text.trim() || host.activeTurn()) return;
    if (this.#speculation && sameText(this.#speculation.text, text)) return; // already on it (our silence, then Flux's eager end)
    this.#dropSpeculation();
    this.#speculation = new Speculation(text.trim(), host.answerContext());
  }

  #dropSpeculation(): void {
    this.#speculation?.discard();
    this.#speculation = null;
  }

  /** The prepared answer goes with the turn being committed (it decides whether it fits). */
  #handOver(): { prefetch?: Speculation } {
    const speculation = this.#speculation;
    this.#speculation = null;
    return speculation ? { prefetch: speculation } : {};
  }

  #interim(text: string): void {
    const host = this.#host;
    if (!host.accepting) return;
    host.transcript(text);
    const turn = host.activeTurn();
    if (!turn) return;
    if (this.#gate) this.#checkGate(this.#gate.at);
    else if (host.userHeard() && host.pipeline.interrupt.mode === 'STT_ONLY' && host.interruptible(turn) && this.#enoughWords(this.#stt.text(host.since()))) host.interrupt(turn);
  }

  #enoughWords(text: string): boolean {
    const c = this.#host.pipeline.interrupt;
    return substantiveWords(text, c.backchannels) >= Math.max(1, c.minWords);
  }

  #checkGate(at: number): void {
    const gate = this.#gate;
    if (!gate) return;
    if (!this.#host.interruptible(gate.turn)) {
      this.#gate = null;
      return;
    }
    const text = this.#stt.text(this.#host.since());
    // No words yet after STT_WAIT_MS: the VAD's decision stands (a slow STT never makes the agent deaf).
    if (this.#enoughWords(text) || (text.trim() === '' && at - gate.at >= STT_WAIT_MS / 1000)) {
      this.#gate = null;
      this.#host.interrupt(gate.turn);
    }
  }

  #cancelGate(at: number): void {
    this.#gate = null;
    this.#host.release(at);
  }

  #clearFallback(): void {
    if (this.#fallback) clearTimeout(this.#fallback);
    this.#fallback = null;
  }
}
