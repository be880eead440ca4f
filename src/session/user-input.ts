import type { UtteranceHandle } from '../agent/utterance-handle';
import type { AudioEngine } from '../audio/engine';
import { dbToGain } from '../audio/dsp/level';
import { concatFloat32 } from '../audio/dsp/pcm';
import type { EventHub } from '../events';
import { TurnClock } from '../telemetry/turn-metrics';
import type { BargeInDetector } from '../turn/barge-in';
import { EchoPath } from '../turn/echo-path';
import type { Turn } from '../turn/turn';
import type { Pipeline } from './pipeline';
import type { AgentSessionEvents } from './session-events';
import type { SessionStates } from './states';

/** Speech frames the echo gate must give to the user for an utterance to be theirs (≈ 100 ms). */
const USER_FRAMES = 3;

interface UserInputDeps {
  states: SessionStates;
  currentTurn(): Turn | null;
  /** A finished user utterance (16 kHz) to transcribe and answer. */
  onUtterance(audio: Float32Array, clock: TurnClock): void;
  onUserSpeech(): void;
  onSilence(): void;
  interrupt(turn: Turn): void;
}

/**
 * The user's side: VAD events become user states, utterances become turns, and frames
 * over the agent's voice go through duck-then-confirm barge-in behind an echo gate that
 * compares each mic frame with the output that could have echoed into it, in audio time.
 */
export class UserInput {
  /** False until `onEnter` has run and after close: user speech is ignored. */
  accepting = false;
  readonly #hub: EventHub<AgentSessionEvents>;
  readonly #engine: AudioEngine;
  readonly #pipeline: Pipeline;
  readonly #barge: BargeInDetector;
  readonly #deps: UserInputDeps;
  readonly #offs: (() => void)[] = [];
  readonly #echo: EchoPath;
  /** Context time (s) of capture's audio time 0: puts mic frames on the output's clock. */
  #captureOffset: number | null = null;
  /**
   * Speech frames of the current utterance the echo gate gave to the user. A few are needed
   * for it to be the user's: the gate lets a stray frame of the agent's echo through now
   * and then, and a whole echo utterance must not become a turn for it.
   */
  #userFrames = 0;
  /** A `waitForPlayback` reply: utterances during it wait here until it has played. */
  #held: UtteranceHandle | null = null;
  #pending: { audio: Float32Array; clock: TurnClock }[] = [];
  /** An utterance waiting out the EOU extra wait, merged with more speech if it comes. */
  #eou: { audio: Float32Array; clock: TurnClock; timer: ReturnType<typeof setTimeout> } | null = null;

  constructor(hub: EventHub<AgentSessionEvents>, engine: AudioEngine, pipeline: Pipeline, barge: BargeInDetector, deps: UserInputDeps) {
    this.#hub = hub;
    this.#engine = engine;
    this.#pipeline = pipeline;
    this.#barge = barge;
    this.#deps = deps;
    this.#echo = new EchoPath({ priorGain: pipeline.interrupt.echoRatio });
    void engine.captureStartFrame.then(
      (frame) => (this.#captureOffset = frame / engine.context.sampleRate),
      () => undefined, // capture never started: no frames will come
    );
    const vad = pipeline.vad;
    this.#offs.push(
      engine.on('input_level_measured', (e) => hub.emit('input_level_measured', e)),
      engine.on('output_level_measured', (e) => {
        this.#echo.pushOutput(e.at, e.rms);
        hub.emit('output_level_measured', e);
      }),
      engine.on('error', ({ error }) => hub.emit('error', { error, source: 'audio' })),
      vad.on('error', ({ error }) => hub.emit('error', { error, source: 'vad' })),
      vad.on('speech_started', (e) => this.#speechStarted(e.at)),
      vad.on('speech_ended', (e) => this.#speechEnded(e.at, e.lastSpeechAt, e.startedAt, e.audio)),
      vad.on('speech_misfired', () => {
        this.#userFrames = 0;
        this.#settleUser(true);
      }),
      vad.on('vad_frame', (e) => this.#frame(e.at, e.probability, e.rms)),
    );
  }

  /** Holds user utterances until `handle` is done (a `waitForPlayback` reply). */
  hold(handle: UtteranceHandle): void {
    this.#held = handle;
  }

  /** After a turn: hand over utterances held during a finished `waitForPlayback` reply. */
  release(): void {
    if (this.#held && !this.#held.done) return;
    this.#held = null;
    const pending = this.#pending.splice(0);
    const last = pending[pending.length - 1];
    if (last) this.#deps.onUtterance(concatFloat32(pending.map((p) => p.audio)), last.clock);
  }

  dispose(): void {
    for (const off of this.#offs) off();
    if (this.#eou) clearTimeout(this.#eou.timer);
    this.#eou = null;
    this.accepting = false;
  }

  #speechStarted(at: number): void {
    if (!this.accepting) return;
    if (this.#eou) clearTimeout(this.#eou.timer); // more speech: the turn is not over yet
    this.#deps.states.setUser('speaking', 'vad');
    const agent = this.#deps.states.agent;
    if (agent !== 'speaking' && agent !== 'thinking') this.#deps.states.setAgent('listening', 'user speaking');
    this.#hub.emit('user_speech_started', { at });
    this.#deps.onUserSpeech();
  }

  #speechEnded(at: number, lastSpeechAt: number, startedAt: number, audio: Float32Array): void {
    if (!this.accepting) return;
    const now = performance.now();
    const clock = new TurnClock();
    clock.endpoint = now;
    clock.speechEnd = now - (at - lastSpeechAt) * 1000;
    this.#hub.emit('user_speech_ended', { at, durationSec: lastSpeechAt - startedAt });
    const real = this.#userFrames >= USER_FRAMES;
    this.#userFrames = 0;
    // Only the agent's own voice coming back (never above the echo gate): not a turn.
    this.#settleUser(!real);
    if (!real) return;
    const merged = this.#eou ? concatFloat32([this.#eou.audio, audio]) : audio;
    this.#eou = null;
    const waitMs = this.#pipeline.eou.minMaxSpeechWaitTimeout[0] * 1000;
    if (waitMs > 0) {
      this.#eou = { audio: merged, clock, timer: setTimeout(() => this.#commit(merged, clock), waitMs) };
    } else this.#commit(merged, clock);
  }

  #commit(audio: Float32Array, clock: TurnClock): void {
    this.#eou = null;
    if (!this.accepting) return;
    if (this.#held && !this.#held.done) {
      this.#pending.push({ audio, clock });
      return;
    }
    const turn = this.#deps.currentTurn();
    // Speech over a running turn that did not confirm as an interruption (a short "mhm"):
    // the agent carries on, and the blip does not become a turn.
    if (turn && !turn.handle.done && !turn.handle.interrupted) return;
    if (!turn && this.#deps.states.agent === 'listening') this.#deps.states.setAgent('thinking', 'end of turn');
    this.#deps.onUtterance(audio, clock);
  }

  /** The user stopped; `agentToo`: no turn follows, so a listening agent goes idle. */
  #settleUser(agentToo: boolean): void {
    const agent = this.#deps.states.agent;
    this.#deps.states.setUser(agent === 'speaking' ? 'listening' : 'idle', 'vad');
    if (agentToo && agent === 'listening') this.#deps.states.setAgent('idle', 'user stopped');
    this.#deps.onSilence();
  }

  #frame(at: number, probability: number, rms: number): void {
    const vadOptions = this.#pipeline.vad.options;
    // Before capture's start is known no output can be matched: the frame is the user's.
    const user = this.#captureOffset === null ? true : this.#echo.frame(at + this.#captureOffset, rms, probability < vadOptions.negativeSpeechThreshold).user;
    if (probability >= vadOptions.positiveSpeechThreshold && user) this.#userFrames++;
    const turn = this.#deps.currentTurn();
    const active = this.accepting && turn !== null && !turn.handle.done && !turn.handle.interrupted;
    const interruptible = active && turn!.handle.interruptible && !(this.#held && this.#held === turn!.handle);
    const action = this.#barge.update({ at, probability, agentActive: active, interruptible, user });
    const mixer = this.#engine.mixer;
    if (action === 'duck') {
      mixer.setGain('voice', dbToGain(this.#pipeline.interrupt.duckDb), 5);
      this.#hub.emit('interruption_suspected', { at });
    } else if (action === 'release') {
      mixer.setGain('voice', 1, 30);
      this.#hub.emit('interruption_cancelled', { at });
    } else if (action === 'confirm' && turn) this.#deps.interrupt(turn);
  }
}
