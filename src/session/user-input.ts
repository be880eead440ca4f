import type { UtteranceHandle } from '../agent/utterance-handle';
import type { AudioEngine } from '../audio/engine';
import { dbToGain } from '../audio/dsp/level';
import { concatFloat32 } from '../audio/dsp/pcm';
import type { EventHub } from '../events';
import { TurnClock } from '../telemetry/turn-metrics';
import { substantiveWords } from '../turn/backchannel';
import { STT_WAIT_MS, type BargeInDetector } from '../turn/barge-in';
import { EchoPath } from '../turn/echo-path';
import type { Turn } from '../turn/turn';
import type { Pipeline } from './pipeline';
import type { AgentSessionEvents } from './session-events';
import type { SessionStates } from './states';
import { StreamTranscriber } from './stt-stream';
import { transcribe } from './transcribe';
import type { UserUtterance } from './user-turn';

/** Speech frames the echo gate must give to the user for an utterance to be theirs (≈ 100 ms). */
const USER_FRAMES = 3;

interface UserInputDeps {
  states: SessionStates;
  currentTurn(): Turn | null;
  /** A finished user utterance to transcribe (unless its text comes with it) and answer. */
  onUtterance(utterance: UserUtterance, clock: TurnClock): void;
  sttError(error: unknown): void;
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
  #pending: { utterance: UserUtterance; clock: TurnClock }[] = [];
  /** An utterance waiting out the EOU extra wait, merged with more speech if it comes. */
  #eou: { audio: Float32Array; clock: TurnClock; timer: ReturnType<typeof setTimeout> } | null = null;
  /** The streaming STT's side, when the pipeline's STT streams. */
  readonly #stt: StreamTranscriber | null = null;
  /** Batch transcriptions started early (speech over the agent); aborted on dispose. */
  readonly #abort = new AbortController();
  /** Audio time of the current utterance's onset, and of its first frame the echo gate gave to the user. */
  #onsetAt = 0;
  #userAt: number | null = null;
  /** The current utterance began while the agent was speaking or about to. */
  #overAgent = false;
  /** `endpointing: 'stt'`: the provider ended a turn during this utterance (its text is settled). */
  #sttCommitted = false;
  /** `endpointing: 'stt'`: the VAD ended but the provider has not; settle after the max wait. */
  #sttFallback: ReturnType<typeof setTimeout> | null = null;
  /** HYBRID with a streaming STT: the VAD confirmed; waiting for words that are not backchannels. */
  #wordGate: { turn: Turn; at: number } | null = null;

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
    const streaming = pipeline.streamingStt;
    if (streaming) {
      this.#stt = new StreamTranscriber({
        stt: streaming,
        preRollSec: vad.options.preSpeechPadMs / 1000,
        settleTimeoutMs: pipeline.timeouts.sttMs,
        onInterim: (text) => this.#interim(text),
        onEndOfTurn: () => this.#providerEndOfTurn(),
        onError: (error) => deps.sttError(error),
      });
      vad.tapAudio(true);
      this.#offs.push(vad.on('vad_audio', (e) => this.#stt?.push(e.at, e.samples)), () => vad.tapAudio(false));
    }
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
    if (last) this.#deps.onUtterance(merge(pending.map((p) => p.utterance)), last.clock);
  }

  dispose(): void {
    for (const off of this.#offs) off();
    if (this.#eou) clearTimeout(this.#eou.timer);
    this.#eou = null;
    if (this.#sttFallback) clearTimeout(this.#sttFallback);
    this.#stt?.close();
    this.#abort.abort();
    this.accepting = false;
  }

  #speechStarted(at: number): void {
    if (!this.accepting) return;
    if (this.#eou) clearTimeout(this.#eou.timer); // more speech: the turn is not over yet
    if (this.#sttFallback) clearTimeout(this.#sttFallback);
    this.#sttFallback = null;
    this.#onsetAt = at;
    this.#userAt = null;
    this.#overAgent = this.#activeTurn() !== null;
    this.#sttCommitted = false;
    this.#stt?.speechStarted(at);
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
    this.#stt?.speechEnded();
    const real = this.#userFrames >= USER_FRAMES;
    this.#userFrames = 0;
    if (this.#wordGate) this.#cancelWordGate(at);
    // Only the agent's own voice coming back (never above the echo gate): not a turn, and
    // what a streaming STT made of it is dropped.
    this.#settleUser(!real);
    if (!real) {
      if (this.#stt && !this.#sttCommitted) void this.#stt.settle();
      return;
    }
    const since = this.#since();
    if (this.#pipeline.eou.endpointing === 'stt') {
      // The provider decides; if it has not within the max wait after the VAD's end, settle.
      const maxMs = this.#pipeline.eou.minMaxSpeechWaitTimeout[1] * 1000;
      this.#sttFallback = setTimeout(() => {
        this.#sttFallback = null;
        this.#sttCommitted = true;
        this.#commit({ audio, text: this.#stt!.settle(since), overAgent: this.#overAgent }, clock);
      }, maxMs);
      return;
    }
    const merged = this.#eou ? concatFloat32([this.#eou.audio, audio]) : audio;
    this.#eou = null;
    const overAgent = this.#overAgent;
    const commit = () => this.#commit({ audio: merged, ...(this.#stt ? { text: this.#stt.settle(since) } : {}), overAgent }, clock);
    const waitMs = this.#pipeline.eou.minMaxSpeechWaitTimeout[0] * 1000;
    if (waitMs > 0) {
      this.#eou = { audio: merged, clock, timer: setTimeout(() => ((this.#eou = null), commit()), waitMs) };
    } else commit();
  }

  /** `endpointing: 'stt'`: the provider ended the user's turn (before or after the VAD did). */
  #providerEndOfTurn(): void {
    if (!this.accepting || this.#pipeline.eou.endpointing !== 'stt') return;
    // Only the user's speech makes a turn (the provider also hears the agent's echo): new
    // frames of theirs since the last turn, or an utterance the VAD already ended.
    if (this.#userFrames < USER_FRAMES && this.#sttFallback === null) return;
    if (this.#sttFallback) clearTimeout(this.#sttFallback);
    this.#sttFallback = null;
    this.#userFrames = 0;
    this.#sttCommitted = true;
    const clock = new TurnClock();
    clock.endpoint = clock.speechEnd = performance.now();
    this.#commit({ audio: new Float32Array(0), text: this.#stt!.settle(this.#since()), overAgent: this.#overAgent }, clock);
  }

  /** Where the user's words begin: over the agent, at the first frame the echo gate gave them (words before are echo). */
  #since(): number {
    return this.#overAgent && this.#userAt !== null ? this.#userAt - 0.1 : -Infinity;
  }

  #commit(utterance: UserUtterance, clock: TurnClock): void {
    this.#eou = null;
    if (!this.accepting) return;
    if (this.#held && !this.#held.done) {
      this.#pending.push({ utterance, clock });
      return;
    }
    const turn = this.#activeTurn();
    if (turn) {
      // Speech over a running turn that did not interrupt it: answered after it, if it is
      // more than a backchannel (decided once transcribed). In STT_ONLY its words may still
      // interrupt: a batch STT transcribes it now rather than after the turn.
      const text = utterance.text ?? this.#transcribeNow(utterance.audio);
      void text.then((t) => this.#wordsOverAgent(t, turn, true));
      this.#deps.onUtterance({ ...utterance, text, overAgent: true }, clock);
      return;
    }
    if (this.#deps.states.agent === 'listening') this.#deps.states.setAgent('thinking', 'end of turn');
    this.#deps.onUtterance(utterance, clock);
  }

  /** A batch transcription outside the turn chain (speech over the agent). '' if there is no batch STT or it fails. */
  #transcribeNow(audio: Float32Array): Promise<string> {
    const stt = this.#pipeline.batchStt;
    if (!stt) return Promise.resolve('');
    return transcribe(stt, audio, this.#abort.signal, this.#pipeline.timeouts.sttMs, { delta: () => undefined, error: (e) => this.#deps.sttError(e) });
  }

  /** A streaming STT's transcript so far. */
  #interim(text: string): void {
    if (!this.accepting) return;
    this.#hub.emit('user_transcript', { text, final: false });
    const turn = this.#activeTurn();
    if (!turn) return;
    if (this.#wordGate) this.#checkWordGate(this.#wordGate.at);
    else if (this.#userAt !== null) this.#wordsOverAgent(this.#stt!.text(this.#since()), turn, false);
  }

  /** STT_ONLY: enough words that are not backchannels, over an interruptible turn, interrupt it. */
  #wordsOverAgent(text: string, turn: Turn, final: boolean): void {
    const c = this.#pipeline.interrupt;
    if (c.mode !== 'STT_ONLY' || !this.#interruptible(turn)) return;
    if (substantiveWords(text, c.backchannels) >= Math.max(1, c.minWords) && (final || this.#userAt !== null)) this.#deps.interrupt(turn);
  }

  /** HYBRID + streaming STT: the VAD confirmed; the words decide. */
  #checkWordGate(at: number): void {
    const gate = this.#wordGate;
    if (!gate) return;
    if (!this.#interruptible(gate.turn)) {
      this.#wordGate = null;
      return;
    }
    const c = this.#pipeline.interrupt;
    const text = this.#stt!.text(this.#since());
    const words = substantiveWords(text, c.backchannels);
    // No words yet after STT_WAIT_MS: the VAD's decision stands (a slow STT never makes the agent deaf).
    if (words >= Math.max(1, c.minWords) || (text.trim() === '' && at - gate.at >= STT_WAIT_MS / 1000)) {
      this.#wordGate = null;
      this.#deps.interrupt(gate.turn);
    }
  }

  #cancelWordGate(at: number): void {
    this.#wordGate = null;
    this.#engine.mixer.setGain('voice', 1, 30);
    this.#hub.emit('interruption_cancelled', { at });
  }

  #activeTurn(): Turn | null {
    const turn = this.#deps.currentTurn();
    return turn && !turn.handle.done && !turn.handle.interrupted ? turn : null;
  }

  #interruptible(turn: Turn): boolean {
    return this.accepting && !turn.handle.done && !turn.handle.interrupted && turn.handle.interruptible && !(this.#held && this.#held === turn.handle);
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
    if (probability >= vadOptions.positiveSpeechThreshold && user) {
      this.#userFrames++;
      this.#userAt ??= at - 0.032;
    }
    const turn = this.#activeTurn();
    const interruptible = turn !== null && this.#interruptible(turn);
    const mode = this.#pipeline.interrupt.mode;
    const action = this.#barge.update({ at, probability, agentActive: this.accepting && turn !== null, interruptible, user });
    const mixer = this.#engine.mixer;
    if (this.#wordGate) {
      if (action === 'release') this.#cancelWordGate(at);
      else this.#checkWordGate(at);
      return;
    }
    if (action === 'duck') {
      mixer.setGain('voice', dbToGain(this.#pipeline.interrupt.duckDb), 5);
      this.#hub.emit('interruption_suspected', { at });
    } else if (action === 'release') {
      mixer.setGain('voice', 1, 30);
      this.#hub.emit('interruption_cancelled', { at });
    } else if (action === 'confirm' && turn) {
      // HYBRID with a streaming STT: the words must agree (a backchannel does not interrupt).
      if (mode === 'HYBRID' && this.#stt) {
        this.#wordGate = { turn, at };
        this.#checkWordGate(at);
      } else this.#deps.interrupt(turn);
    }
  }
}

/** Utterances held during a `waitForPlayback` reply, as one. */
function merge(list: UserUtterance[]): UserUtterance {
  if (list.length === 1) return list[0]!;
  const texts = list.map((u) => u.text);
  return {
    audio: concatFloat32(list.map((u) => u.audio)),
    ...(texts.some((t) => t) ? { text: Promise.all(texts.map((t) => t ?? '')).then((p) => p.map((x) => x.trim()).filter(Boolean).join(' ')) } : {}),
    overAgent: list.every((u) => u.overAgent),
  };
}
