import type { UtteranceHandle } from '../agent/utterance-handle';
import { dbToGain } from '../audio/dsp/level';
import { concatFloat32 } from '../audio/dsp/pcm';
import type { EventHub } from '../events';
import { TurnClock } from '../telemetry/turn-metrics';
import { substantiveWords } from '../turn/backchannel';
import type { BargeInDetector } from '../turn/barge-in';
import { EchoPath } from '../turn/echo-path';
import type { Turn } from '../turn/turn';
import type { EndpointLearner, Pipeline } from './pipeline';
import type { AgentSessionEvents } from './session-events';
import type { SessionAudio } from './session-audio';
import type { SessionStates } from './states';
import type { AnswerContext, StreamingHost, StreamingInput } from './streaming';
import { transcribe } from './transcribe';
import type { UserUtterance } from './user-turn';

/** Speech frames the echo gate must give to the user for an utterance to be theirs (≈ 100 ms). */
const USER_FRAMES = 3;
/**
 * VAD frames held at most while the output reports they must be judged against are late
 * (≈ 128 ms): past that the mixer is not reporting (a stalled main thread delivers both
 * in bursts anyway) and the frames are judged on what has come.
 */
const MAX_HELD_FRAMES = 4;

/** A VAD frame as the echo gate and barge-in read it. */
interface HeldFrame {
  at: number;
  probability: number;
  rms: number;
}

interface UserInputDeps {
  states: SessionStates;
  currentTurn(): Turn | null;
  /** A finished user utterance to transcribe (unless its text comes with it) and answer. */
  onUtterance(utterance: UserUtterance, clock: TurnClock): void;
  sttError(error: unknown): void;
  answerContext(): AnswerContext;
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
  readonly #engine: SessionAudio;
  readonly #pipeline: Pipeline;
  readonly #barge: BargeInDetector;
  readonly #deps: UserInputDeps;
  readonly #offs: (() => void)[] = [];
  readonly #echo: EchoPath;
  /** Context time (s) of capture's audio time 0: puts mic frames on the output's clock. */
  #captureOffset: number | null = null;
  /** The voice is set to go silent when the interruption falls due (see BargeInDetector.dueAt). */
  #muting = false;
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
  readonly #stream: StreamingInput | null = null;
  /** `endpointing: dynamicEndpointing()`: the wait after the VAD's end, learned from this user's pauses. */
  readonly #dynamic: EndpointLearner | null;
  /** Batch transcriptions started early (speech over the agent); aborted on dispose. */
  readonly #abort = new AbortController();
  /** Audio time of the current utterance's first frame the echo gate gave to the user. */
  #userAt: number | null = null;
  /** The current utterance began while the agent was speaking or about to. */
  #overAgent = false;
  /** VAD frames waiting for the output reports that cover them (see EchoPath.ready). */
  #heldFrames: HeldFrame[] = [];

  constructor(hub: EventHub<AgentSessionEvents>, engine: SessionAudio, pipeline: Pipeline, barge: BargeInDetector, deps: UserInputDeps) {
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
    const eou = pipeline.eou;
    this.#dynamic = typeof eou.endpointing === 'function' ? eou.endpointing(vad.options.redemptionMs / 1000, eou.minMaxSpeechWaitTimeout) : null;
    // Pipeline checked that a streaming STT carries its user input.
    const streaming = pipeline.streamingStt?.userInput;
    if (streaming) this.#stream = streaming(this.#host());
    this.#offs.push(
      engine.on('input_level_measured', (e) => hub.emit('input_level_measured', e)),
      engine.on('output_level_measured', (e) => {
        this.#echo.pushOutput(e.at, e.rms);
        this.#drainFrames();
        hub.emit('output_level_measured', e);
      }),
      engine.on('error', ({ error }) => hub.emit('error', { error, source: 'audio' })),
      // Another output device, another echo path: learn it again.
      engine.on('output_device_changed', () => this.#echo.reset()),
      vad.on('error', ({ error }) => hub.emit('error', { error, source: 'vad' })),
      vad.on('speech_started', (e) => this.#speechStarted(e.at)),
      vad.on('speech_ended', (e) => this.#speechEnded(e.at, e.lastSpeechAt, e.startedAt, e.audio)),
      vad.on('speech_misfired', () => {
        this.#userFrames = 0;
        this.#settleUser(true);
      }),
      vad.on('vad_frame', (e) => {
        this.#heldFrames.push(e);
        this.#drainFrames();
      }),
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
    if (last && this.accepting) this.#deps.onUtterance(merge(pending.map((p) => p.utterance)), last.clock);
  }

  dispose(): void {
    for (const off of this.#offs) off();
    this.#heldFrames = [];
    if (this.#eou) clearTimeout(this.#eou.timer);
    this.#eou = null;
    this.#stream?.dispose();
    this.#abort.abort();
    this.accepting = false;
  }

  #speechStarted(at: number): void {
    if (!this.accepting) return;
    if (this.#eou) clearTimeout(this.#eou.timer); // more speech: the turn is not over yet
    this.#userAt = null;
    this.#overAgent = this.#activeTurn() !== null;
    this.#stream?.speechStarted(at);
    this.#dynamic?.speechStarted(at);
    this.#deps.states.apply('user_speech');
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
    // Only the agent's own voice coming back (never above the echo gate) is not a turn.
    this.#settleUser(!real);
    if (real) this.#dynamic?.speechEnded(lastSpeechAt);
    if (this.#stream?.speechEnded(real, at, audio, clock) || !real) return;
    const merged = this.#eou ? concatFloat32([this.#eou.audio, audio]) : audio;
    this.#eou = null;
    const overAgent = this.#overAgent;
    const since = this.#since();
    const stream = this.#stream;
    const commit = () => this.#commit({ audio: merged, ...(stream ? { text: stream.settle(since), prefetch: stream.takePrefetch() } : {}), overAgent }, clock);
    // A turn detector waits once the transcript is in (user-turn.ts); without one, here:
    // what this user's pauses taught (`dynamic`), else `min`.
    const eou = this.#pipeline.eou;
    const waitMs = eou.turnDetector ? 0 : this.#dynamic ? this.#dynamic.waitMs : eou.minMaxSpeechWaitTimeout[0] * 1000;
    if (waitMs > 0) {
      this.#eou = { audio: merged, clock, timer: setTimeout(() => ((this.#eou = null), commit()), waitMs) };
    } else commit();
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
      if (!utterance.text) void text.then((t) => this.#wordsOverAgent(t, turn));
      this.#deps.onUtterance({ ...utterance, text, overAgent: true }, clock);
      return;
    }
    this.#deps.states.apply('end_of_turn');
    this.#deps.onUtterance(utterance, clock);
  }

  /** A batch transcription outside the turn chain (speech over the agent). '' if there is no batch STT or it fails. */
  #transcribeNow(audio: Float32Array): Promise<string> {
    const stt = this.#pipeline.batchStt;
    if (!stt) return Promise.resolve('');
    return transcribe(stt, audio, this.#abort.signal, this.#pipeline.timeouts.sttMs, { delta: () => undefined, error: (e) => this.#deps.sttError(e) });
  }

  /** STT_ONLY with a batch STT: the transcript of speech over the agent may interrupt it. */
  #wordsOverAgent(text: string, turn: Turn): void {
    const c = this.#pipeline.interrupt;
    if (c.mode === 'STT_ONLY' && this.#interruptible(turn) && substantiveWords(text, c.backchannels) >= Math.max(1, c.minWords)) this.#deps.interrupt(turn);
  }

  /** What the streaming side may use of this one. */
  #host(): StreamingHost {
    const input = this;
    return {
      pipeline: this.#pipeline,
      get accepting() {
        return input.accepting;
      },
      userFrames: () => this.#userFrames,
      resetUserFrames: () => void (this.#userFrames = 0),
      since: () => this.#since(),
      overAgent: () => this.#overAgent,
      userHeard: () => this.#userAt !== null,
      activeTurn: () => this.#activeTurn(),
      interruptible: (turn) => this.#interruptible(turn),
      commit: (utterance, clock) => this.#commit(utterance, clock),
      interrupt: (turn) => this.#deps.interrupt(turn),
      transcript: (text) => this.#hub.emit('user_transcript', { text, final: false }),
      release: (at) => this.#release(at),
      sttError: (error) => this.#deps.sttError(error),
      answerContext: () => this.#deps.answerContext(),
    };
  }

  #release(at: number): void {
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

  /** The user stopped; `gone`: no turn follows, so a listening agent goes idle. */
  #settleUser(gone: boolean): void {
    this.#deps.states.apply(gone ? 'user_gone' : 'user_stopped');
    this.#deps.onSilence();
  }

  /** Judges the held VAD frames, in order, as far as the output reports cover them. */
  #drainFrames(): void {
    // Re-read each time: a frame may end the session (dispose() empties the list).
    while (this.#heldFrames.length > 0) {
      const f = this.#heldFrames[0]!;
      const offset = this.#captureOffset;
      // A speech frame no echo could explain goes at once: the reports to come cannot change it.
      const sure = f.probability >= this.#pipeline.vad.options.negativeSpeechThreshold && this.#echo.beyondEcho(f.rms);
      if (offset !== null && this.#heldFrames.length <= MAX_HELD_FRAMES && !sure && !this.#echo.ready(f.at + offset)) return;
      this.#heldFrames.shift();
      this.#frame(f);
    }
  }

  #frame({ at, probability, rms }: HeldFrame): void {
    const vadOptions = this.#pipeline.vad.options;
    // Before capture's start is known no output can be matched: the frame is the user's.
    const user = this.#captureOffset === null ? true : this.#echo.frame(at + this.#captureOffset, rms, probability < vadOptions.negativeSpeechThreshold);
    if (probability >= vadOptions.positiveSpeechThreshold && user) {
      this.#userFrames++;
      this.#userAt ??= at - 0.032;
    }
    if (this.#dynamic) {
      this.#dynamic.frame(probability, vadOptions.positiveSpeechThreshold, vadOptions.negativeSpeechThreshold);
      if (this.#deps.states.agent === 'speaking') this.#dynamic.agentSpoke();
    }
    const turn = this.#activeTurn();
    const interruptible = turn !== null && this.#interruptible(turn);
    const mode = this.#pipeline.interrupt.mode;
    const action = this.#barge.update({ at, probability, agentActive: this.accepting && turn !== null, interruptible, user });
    if (this.#stream?.frame(at, probability, action)) return;
    const duckGain = dbToGain(this.#pipeline.interrupt.duckDb);
    if (action === 'duck') {
      this.#engine.mixer.setGain('voice', duckGain, 5);
      this.#hub.emit('interruption_suspected', { at });
    } else if (action === null && this.#barge.pending && !(mode === 'HYBRID' && this.#stream)) {
      // One frame from the rule: silence the voice on the instant it falls due (audio time);
      // if the next frame does not confirm, back to the duck.
      const due = this.#captureOffset === null ? null : this.#barge.dueAt(at);
      if (due !== null) this.#engine.mixer.setGain('voice', 0, 5, due + this.#captureOffset!);
      else if (this.#muting) this.#engine.mixer.setGain('voice', duckGain, 5);
      this.#muting = due !== null;
      return;
    }
    this.#muting = false;
    if (action === 'release') this.#release(at);
    else if (action === 'confirm' && turn) {
      // HYBRID with a streaming STT: the words must agree (a backchannel does not interrupt).
      if (mode === 'HYBRID' && this.#stream) this.#stream.confirmed(turn, at);
      else this.#deps.interrupt(turn);
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
