import { Agent } from '../agent/agent';
import { UtteranceHandle } from '../agent/utterance-handle';
import { AudioEngine, type AudioEngineOptions } from '../audio/engine';
import { ConfigError, EarshotError, type AnyEarshotError } from '../errors';
import { EventHub } from '../events';
import type { ChatItem, VisionFrame } from '../providers/types';
import type { TurnClock } from '../telemetry/turn-metrics';
import { BargeInDetector } from '../turn/barge-in';
import { Turn, type TurnDeps, type TurnOutcome } from '../turn/turn';
import { Ambience, type BackgroundAudioConfig } from './ambience';
import { resolveAudioSource, type AudioSource } from './audio-source';
import { Lifecycle, within } from './lifecycle';
import { watchMicrophone } from './mic-recovery';
import type { Pipeline } from './pipeline';
import type { AgentSessionEvents, AgentState, UserState } from './session-events';
import { SessionStates } from './states';
import { UserTurns, type UserUtterance } from './user-turn';
import { UserInput } from './user-input';
import { answerContext, turnDeps, type TurnWiring } from './turn-hooks';
import { TurnQueue } from './turn-queue';
import type { Prefetch } from '../turn/prefetch';
import { WakeUpTimer } from './wake-up';
import type { SessionAudio } from './session-audio';
import { realtimeModel, type RealtimeConductor } from './realtime-hook';
import type { HandoffContext } from '../agent/mcp-server';
import { connectServers, sessionAgents, type Agents } from './handoff';
import { detectorsOf, toneSafe, type SessionDTMF, type SessionVoiceMail } from './extensions';

export interface AgentSessionOptions<A extends SessionAudio = AudioEngine> {
  /** Seconds of silence on both sides before `onWakeUp` runs. Off by default. */
  wakeUp?: number;
  /** Called when the wake-up timer fires (e.g. `session.say('Are you still there?')`). */
  onWakeUp?: (session: AgentSession<A>) => void | PromiseLike<unknown>;
  /** Background audio started with the session. */
  backgroundAudio?: BackgroundAudioConfig;
  /**
   * How long `close()` lets `onExit()` run and what it says play, ms. Default 5000. The
   * turn in progress is stopped before `onExit`, so close never waits for a reply or a tool.
   */
  exitTimeoutMs?: number;
  /**
   * Makes the session's audio graph on each `start()`; default `new AudioEngine(options)`
   * (`options`: the pipeline's `audio`). A stand-in such as `earshot/testing`'s
   * `VirtualAudio` runs the whole session in Node, with fake timers.
   */
  audioEngine?: (options: AudioEngineOptions) => A;
  /**
   * Key presses in and out (`earshot/telephony`'s `DTMFHandler`): `dtmf_received`, `sendDtmf`.
   * With it (or a beep-listening `voiceMailDetector`) the mic's `noiseSuppression` defaults to off.
   */
  dtmfHandler?: SessionDTMF;
  /** Voicemail classification and beeps (`earshot/telephony`'s `VoiceMailDetector`). */
  voiceMailDetector?: SessionVoiceMail;
}

/** How long close() waits for a stopped turn to account for itself, ms. */
const TURN_SETTLE_MS = 500;

/**
 * A voice conversation in the page: mic → VAD → STT → LLM (+ tools) → TTS → speakers,
 * with barge-in, history and states. The conductor: each part lives in its own module.
 */
export class AgentSession<A extends SessionAudio = AudioEngine> extends EventHub<AgentSessionEvents> {
  readonly pipeline: Pipeline;
  /** Called when the wake-up timer fires. */
  onWakeUp: AgentSessionOptions<A>['onWakeUp'];
  readonly #options: AgentSessionOptions<A>;
  readonly #states = new SessionStates(this);
  #engine: A | null = null;
  #ambience: Ambience | null = null;
  #input: UserInput | null = null;
  #wake: WakeUpTimer | null = null;
  #reply: UtteranceHandle | null = null;
  /** With a realtime model as the LLM: it runs the conversation (no UserInput, no Turns). */
  #rt: RealtimeConductor | null = null;
  #rtAbort = new AbortController();
  readonly #life = new Lifecycle();
  readonly #turns: TurnQueue = new TurnQueue({
    make: (handle, prefetch, clock) => (this.#engine ? new Turn(turnDeps(this.#wiring, this.#engine, prefetch, clock), handle) : null),
    finished: (outcome) => this.emit('agent_transcript', { text: outcome.speech.heardText, final: true, interrupted: outcome.interrupted }),
    report: (error) => this.#report(error, 'session'),
    after: () => this.#afterTurn(),
  });
  #offMic: (() => void) | null = null;
  #detach: (() => void)[] = [];
  readonly #userTurns: UserTurns;
  readonly #agents: Agents;

  constructor(agent: Agent, pipeline: Pipeline, options: AgentSessionOptions<A> = {}) {
    super((err) => console.error('[earshot] session listener threw', err));
    this.pipeline = pipeline;
    this.#options = options;
    this.onWakeUp = options.onWakeUp;
    // Agents and tools see the session as the common case, AgentSession (on an AudioEngine);
    // only a test's stand-in audio makes `audio` something else.
    this.#agents = sessionAgents(agent, {
      session: this as unknown as AgentSession,
      llm: () => this.pipeline.llm,
      signal: () => this.#turns.current?.handle.signal ?? new AbortController().signal,
      report: (error) => this.#report(error, 'session'),
      emit: (previous, next, context) => this.emit('agent_changed', { agent: next, previous, context }),
    });
    this.#userTurns = new UserTurns({
      pipeline,
      chat: () => this.agent.chatContext,
      hub: this,
      report: (error, source) => this.#report(error, source),
      thinking: () => this.#states.apply('transcribing'),
    });
  }

  /** The agent in charge: its instructions, tools and history are used (see {@link updateAgent}). */
  get agent(): Agent {
    return this.#agents.agent;
  }

  get agentState(): AgentState {
    return this.#states.agent;
  }

  get userState(): UserState {
    return this.#states.user;
  }

  /** The utterance being spoken or generated, if any. */
  get currentUtterance(): UtteranceHandle | null {
    return this.#rt?.current ?? this.#turns.current?.handle ?? null;
  }

  /** The audio engine (after `start()`): mixer, mic, output device, output tap. */
  get audio(): A {
    if (!this.#engine) throw new EarshotError('closed', 'The session is not started');
    return this.#engine;
  }

  /** True once started: background and thinking audio have a mixer to play on. */
  get isBackgroundAudioEnabled(): boolean {
    return this.#ambience !== null;
  }

  /** True once the `voiceMailDetector` classified the call as a voicemail. */
  get isVoicemailDetected(): boolean {
    return this.#options.voiceMailDetector?.detected ?? false;
  }

  /**
   * Sends DTMF keys (`0`–`9`, `*`, `#`, `A`–`D`; `,` pauses 0.5 s) through the `dtmfHandler`:
   * on its RTCDTMFSender, else as tones on the voice bus. Resolves when they were sent.
   */
  sendDtmf(digits: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const h = this.#options.dtmfHandler;
    return h ? h.send(digits, options) : Promise.reject(new ConfigError('sendDtmf needs a dtmfHandler (earshot/telephony)'));
  }

  /**
   * Opens the mic, loads the VAD, runs `agent.onEnter()`, then listens. Call it from a
   * user gesture so audio may start. Always settles: rejects with a typed error (nothing
   * stays open; the agent state returns to `idle` and `start()` may be called again), or
   * with `closed` if `close()` comes first or came before.
   */
  start(): Promise<void> {
    return this.#life.start(
      (check) => this.#start(check),
      async () => {
        await this.#teardown();
        this.#states.apply('start_failed');
      },
    );
  }

  async #start(check: () => void): Promise<void> {
    this.#states.apply('start');
    // The VAD (worker, ORT, model) loads while the worklets load; the mic opens once it
    // is ready, so the VAD hears the user live rather than seconds behind after a slow
    // load. A load error surfaces from vad.start() below.
    const vadReady = this.pipeline.vad.preload();
    // A tool whose JSON Schema the validator cannot use fails the start (ConfigError); so does an MCP server's connect.
    const toolsReady = Promise.all([...this.agent.tools.map((t) => t.ready), connectServers(this.agent)]);
    const parts = [this.#options.dtmfHandler, this.#options.voiceMailDetector];
    const detectors = detectorsOf(parts);
    const o = toneSafe(this.pipeline.audio, detectors);
    const engine = this.#options.audioEngine?.(o) ?? (new AudioEngine(o) as SessionAudio as A);
    this.#engine = engine;
    await engine.start({ beforeMic: vadReady, detectors });
    check();
    await toolsReady;
    await engine.unlock();
    check();
    this.#ambience = new Ambience(engine.mixer, engine.context);
    const realtime = realtimeModel(this.pipeline.llm);
    const vadOptions = this.pipeline.vad.options;
    const barge = new BargeInDetector(this.pipeline.interrupt, { positive: vadOptions.positiveSpeechThreshold, negative: vadOptions.negativeSpeechThreshold });
    if (!realtime) this.#input = new UserInput(this, engine, this.pipeline, barge, {
      states: this.#states,
      currentTurn: () => this.#turns.current,
      onUtterance: (utterance, clock) => this.#userTurn(utterance, clock),
      sttError: (error) => this.#report(error, 'stt'),
      answerContext: () => answerContext(this.pipeline, this.agent),
      onUserSpeech: () => this.#wake?.userSpoke(),
      onSilence: () => this.#armWakeUp(),
      interrupt: (turn) => this.#interruptTurn(turn, 'barge_in'),
    });
    this.#offMic = watchMicrophone(engine, this, () => this.#life.closing);
    for (const part of parts) if (part) this.#detach.push(part.attach(this as unknown as AgentSession<SessionAudio>));
    await this.pipeline.vad.start(engine);
    check();
    if (realtime) {
      const [session, hub, report] = [this as unknown as AgentSession, this, (e: unknown, s: AgentSessionEvents['error']['source']) => this.#report(e, s)];
      const host = { session, agent: this.agent, audio: engine, vad: this.pipeline.vad, states: this.#states, hub, timeouts: this.pipeline.timeouts, ambience: this.#ambience, report, utterance: () => new UtteranceHandle(), userSpoke: () => this.#wake?.userSpoke(), busy: () => this.#wake?.pause(), idle: () => this.#armWakeUp() };
      const rt = (this.#rt = await realtime.startRealtime(host, (this.#rtAbort = new AbortController()).signal));
      if (!this.#engine) void rt.close(); // close() tore down while it connected
      check();
    }
    if (this.#options.wakeUp) this.#wake = new WakeUpTimer(this.#options.wakeUp, () => this.#fireWakeUp());
    if (this.#options.backgroundAudio) await this.playBackgroundAudio(this.#options.backgroundAudio);
    check();
    this.#life.markReady();
    await this.agent.onEnter();
    check();
    if (this.#input) this.#input.accepting = true;
    this.#states.apply('started');
    this.#armWakeUp();
  }

  /**
   * Speaks `message`. Outside a tool it replaces what the agent is saying (if that is
   * interruptible; else it follows it). Inside a tool it joins the running turn without
   * interrupting it. The handle resolves when the audio has played.
   */
  say(message: string, options: { interruptible?: boolean; audio?: AudioSource; addToChatContext?: boolean } = {}): UtteranceHandle {
    const handle = new UtteranceHandle({ interruptible: options.interruptible ?? true });
    if (this.#life.closing && !this.#inExit) return done(handle);
    const early = !this.#life.ready;
    this.#life.whenReady(() => this.#say(handle, message, options, early), () => handle.interrupt({ force: true }));
    return handle;
  }

  /** `deferred`: requested before start; it follows what plays instead of replacing it. */
  #say(handle: UtteranceHandle, message: string, options: { audio?: AudioSource; addToChatContext?: boolean }, deferred: boolean): void {
    if (this.#rt) return this.#rt.say(handle, message);
    const addToChat = options.addToChatContext ?? true;
    const audio = options.audio && this.#engine ? resolveAudioSource(options.audio, this.#engine.context) : undefined;
    const current = this.#turns.current;
    if (current?.inTools && !current.handle.done) {
      void (audio ?? Promise.resolve(undefined)).then((a) => current.addSpeech(message, a ? { audio: a, addToChat } : { addToChat })).finally(() => handle.markDone());
      return;
    }
    if (!deferred && current && !current.handle.done && current.handle.interruptible) this.#interruptTurn(current, 'say');
    this.#schedule(handle, async (turn) => {
      const a = await audio;
      return turn.say(message, a ? { audio: a, addToChat } : { addToChat });
    });
  }

  /**
   * Generates an answer, steered by `instructions` (sent for this reply only, never stored
   * as a user message). A reply requested while one runs returns that one's handle; from a
   * tool it is scheduled after the current turn. With `waitForPlayback` (default) user
   * speech does not interrupt it: utterances are held and handled after it. `frames`:
   * pictures for this reply only (not stored in the history), for an LLM with `vision`
   * (else a ConfigError is thrown; a realtime model takes none yet).
   */
  reply(instructions: string, options: { waitForPlayback?: boolean; frames?: readonly VisionFrame[]; interruptible?: boolean } = {}): UtteranceHandle {
    if (options.frames?.length && !this.pipeline.llm.vision) throw new ConfigError(`${this.pipeline.llm.label} has no vision`);
    if (this.#reply && !this.#reply.done) return this.#reply;
    const handle = new UtteranceHandle({ interruptible: options.interruptible ?? true });
    if (this.#life.closing || !instructions.trim()) return done(handle);
    this.#reply = handle;
    const hold = options.waitForPlayback ?? true;
    this.#life.whenReady(
      () =>
        this.#rt
          ? this.#rt.reply(handle, instructions)
          : this.#schedule(handle, async (turn) => {
              if (hold) this.#input?.hold(handle);
              return turn.generate(instructions, options.frames);
            }),
      () => handle.interrupt({ force: true }),
    );
    return handle;
  }

  /**
   * Sends typed user text, as if it had been spoken: it interrupts the agent (if that is
   * allowed), is added as a user message, and is answered.
   */
  sendText(text: string): UtteranceHandle {
    const handle = new UtteranceHandle();
    if (this.#life.closing || !text.trim()) return done(handle);
    const early = !this.#life.ready;
    this.#life.whenReady(() => {
      if (this.#rt) return this.#rt.sendText(handle, text.trim());
      const current = this.#turns.current;
      if (!early && current && !current.handle.done && current.handle.interruptible) this.#interruptTurn(current, 'interrupt');
      this.#schedule(handle, async (turn) => {
        this.agent.chatContext.addMessage('user', text.trim());
        this.emit('user_transcript', { text: text.trim(), final: true });
        return turn.generate();
      });
    }, () => handle.interrupt({ force: true }));
    return handle;
  }

  /**
   * Stops the current utterance and its work (audio fades in ≤ 5 ms; LLM, TTS and tools
   * abort). A non-interruptible one needs `force`. Finished utterances are left alone.
   */
  interrupt(options: { force?: boolean } = {}): void {
    const spoken = this.#rt?.current;
    if (spoken && !spoken.done && (spoken.interruptible || options.force)) this.#rt!.interrupt('interrupt');
    const turn = this.#turns.current;
    if (!turn || turn.handle.done) return;
    if (!turn.handle.interruptible && !options.force) return;
    this.#interruptTurn(turn, 'interrupt');
  }

  /**
   * Hands the conversation to `agent`, as a tool that returns it does: the current agent's
   * `onExit`, its MCP servers closed and `agent`'s connected, the history carried over as
   * `context` says (default `agent.handoffContext`), `agent_changed`, then `agent.onEnter()`.
   * Resolves when that has run. Before `start()` it only replaces the agent. Rejects with
   * `closed` after `close()`.
   */
  updateAgent(agent: Agent, options: { context?: HandoffContext } = {}): Promise<void> {
    return this.#agents.update(agent, options.context, this.#life);
  }

  /** The conversation so far, as plain items (copies). */
  getContextHistory(options: { includeFunctionCalls?: boolean; includeSystemMessages?: boolean } = {}): ChatItem[] {
    return this.agent.chatContext.copy({ includeFunctionCalls: options.includeFunctionCalls ?? false, includeSystemMessages: options.includeSystemMessages ?? false });
  }

  /** Plays background audio, replacing any that plays (no orphaned player). */
  async playBackgroundAudio(config: BackgroundAudioConfig, overrideThinking = false): Promise<void> {
    await this.#needAmbience().playBackground(config, overrideThinking);
  }

  stopBackgroundAudio(): void {
    this.#ambience?.stopBackground();
  }

  /** Starts the agent's thinking sound now (it stops on the next agent audio). */
  startThinkingAudio(): void {
    this.#needAmbience().startThinking(this.agent.thinkingAudio ? { ...this.agent.thinkingAudio, delayMs: 0 } : undefined);
  }

  stopThinkingAudio(): void {
    this.#ambience?.stopThinking(true);
  }

  /**
   * Stops the current turn (its signals abort; every tool call gets an output), runs
   * `agent.onExit()` (which may still speak, within `exitTimeoutMs`), then releases mic,
   * worker and audio. A `start()` in progress rejects with `closed`. Idempotent; never rejects.
   */
  close(reason = 'closed'): Promise<void> {
    return this.#life.close(() => this.#close(reason, true));
  }

  /** Leaves without `onExit`: stops at once and releases everything. Idempotent. */
  leave(): Promise<void> {
    return this.#life.close(() => this.#close('left', false));
  }

  /** Ends the conversation (in a page there is no call to hang up): `close(reason)`. */
  hangup(reason = 'manual_hangup'): Promise<void> {
    return this.close(reason);
  }

  /** `onExit()` is running: it may still speak. */
  #inExit = false;

  async #close(reason: string, runExit: boolean): Promise<void> {
    const wasReady = this.#engine !== null && this.#ambience !== null;
    this.#states.apply('close', reason);
    if (this.#input) this.#input.accepting = false;
    this.#wake?.dispose();
    this.#cancelTurns();
    if (runExit && wasReady) {
      this.#inExit = true;
      const exit = Promise.resolve(this.agent.onExit()).then(() => this.#turns.tail);
      await within(exit, this.#options.exitTimeoutMs ?? 5000).catch((error: unknown) => this.#report(error, 'session'));
      this.#inExit = false;
    }
    await this.#teardown();
    this.emit('session_closed', { reason });
  }

  /** Stops the running turn and drops the queued ones (their handles end interrupted). */
  #cancelTurns(): void {
    this.#turns.dropQueued();
    this.#rt?.interrupt('close');
    const turn = this.#turns.current;
    if (turn) this.#interruptTurn(turn, 'close');
  }

  async #teardown(): Promise<void> {
    this.#cancelTurns();
    await within(this.#turns.tail, TURN_SETTLE_MS);
    this.#offMic?.();
    this.#offMic = null;
    for (const detach of this.#detach.splice(0)) detach();
    this.#ambience?.dispose();
    this.#ambience = null;
    this.#input?.dispose();
    this.#input = null;
    this.#rtAbort.abort();
    await this.#rt?.close();
    this.#rt = null;
    this.pipeline.vad.close();
    await this.#agents.release();
    const engine = this.#engine;
    this.#engine = null;
    await engine?.close();
  }

  #schedule(handle: UtteranceHandle, body: (turn: Turn) => Promise<TurnOutcome>): void {
    this.#turns.schedule(handle, body);
  }

  #userTurn(utterance: UserUtterance, clock: TurnClock): void {
    const handle = new UtteranceHandle();
    this.#turns.schedule(handle, (turn) => this.#userTurns.run(turn, handle.signal, utterance, clock), utterance.prefetch, clock);
  }

  readonly #wiring: TurnWiring = {
    session: this as unknown as AgentSession,
    hub: this,
    states: this.#states,
    wake: () => this.#wake,
    ambience: () => this.#ambience,
    report: (error, source) => this.#report(error, source),
    handoff: (agent, flush) => this.#agents.run(agent, agent.handoffContext, flush),
  };

  #interruptTurn(turn: Turn, reason: 'barge_in' | 'interrupt' | 'say' | 'close'): void {
    if (turn.handle.done) return;
    turn.interrupt();
    this.#ambience?.stopThinking(true);
    void turn.speech.result.then((r) => {
      this.#engine?.mixer.setGain('voice', 1, 0); // undo a barge-in duck once the fade is over
      this.emit('turn_interrupted', { reason, heardText: r.heardText });
    });
  }

  #afterTurn(): void {
    if (this.#turns.current || this.#life.closing) return;
    this.#ambience?.stopThinking();
    this.#states.apply('turn_ended');
    this.#input?.release();
    this.#armWakeUp();
  }

  #armWakeUp(): void {
    if (this.#wake && !this.#turns.current && this.#states.user !== 'speaking' && this.#states.agent === 'idle') this.#wake.arm();
  }

  #fireWakeUp(): void {
    if (this.#turns.current || this.#rt?.current || this.#states.user === 'speaking' || this.#life.closing) return;
    this.emit('wake_up_fired', { afterSec: this.#options.wakeUp ?? 0 });
    void Promise.resolve()
      .then(() => this.onWakeUp?.(this))
      .catch((error) => this.#report(error, 'session'));
  }

  #needAmbience(): Ambience {
    if (!this.#ambience) throw new EarshotError('closed', 'Start the session before playing audio');
    return this.#ambience;
  }

  #report(error: unknown, source: AgentSessionEvents['error']['source']): void {
    // Every EarshotError is one of AnyEarshotError's members: its code can only be an EarshotErrorCode.
    const err = error instanceof EarshotError ? (error as AnyEarshotError) : new EarshotError('session-failed', error instanceof Error ? error.message : String(error), { cause: error });
    this.emit('error', { error: err, source });
  }
}

function done(handle: UtteranceHandle): UtteranceHandle {
  handle.markDone();
  return handle;
}
