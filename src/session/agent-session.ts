import { Agent } from '../agent/agent';
import { UtteranceHandle } from '../agent/utterance-handle';
import { AudioEngine } from '../audio/engine';
import { ConfigError, EarshotError, type AnyEarshotError } from '../errors';
import type { ChatItem, VisionFrame } from '../providers/types';
import type { BackgroundAudioConfig } from './ambience';
import { AmbienceLink } from './ambience-link';
import type { AudioSource } from './audio-source';
import { CascadeConversation, type CascadeHost } from './cascade';
import type { Conversation } from './conversation';
import { Lifecycle, within } from './lifecycle';
import { watchMicrophone } from './mic-recovery';
import type { Pipeline } from './pipeline';
import type { AgentSessionEvents, AgentState, UserState } from './session-events';
import { SessionStates } from './states';
import type { WakeUpTimer } from './wake-up';
import { extras } from '../lazy';
import type { SessionAudio } from './session-audio';
import { realtimeModel, type RealtimeHost } from './realtime-hook';
import type { HandoffContext } from '../agent/mcp-server';
import { connectServers, sessionAgents, type Agents } from './handoff';
import { detectorsOf, toneSafe } from './extensions';
import type { AgentSessionOptions } from './session-options';
import type { RecordableSession, Recording, SessionRecorderOptions } from '../observe/recording';
import { RecordingSlot } from './recording-loader';
import { CallMembers } from './call-members';

export type { AgentSessionOptions } from './session-options';

/**
 * A voice conversation in the page: mic → VAD → STT → LLM (+ tools) → TTS → speakers,
 * with barge-in, history and states. The conductor: it starts and closes the parts, and
 * routes its API to the {@link Conversation} that runs (Earshot's cascade, or a realtime
 * model's); each part lives in its own module.
 */
export class AgentSession<A extends SessionAudio = AudioEngine> extends CallMembers {
  readonly pipeline: Pipeline;
  /** Called when the wake-up timer fires. */
  onWakeUp: AgentSessionOptions<A>['onWakeUp'];
  readonly #options: AgentSessionOptions<A>;
  readonly #states = new SessionStates(this);
  #engine: A | null = null;
  #ambience: AmbienceLink | null = null;
  #wake: WakeUpTimer | null = null;
  #reply: UtteranceHandle | null = null;
  /** What runs the conversation, once started: the cascade, or a realtime model's conductor. */
  #conv: Conversation | null = null;
  /** Aborts a realtime model's connect when close() comes first. */
  #connecting = new AbortController();
  readonly #life = new Lifecycle();
  #offMic: (() => void) | null = null;
  #detach: (() => void)[] = [];
  readonly #agents: Agents;
  readonly #rec = new RecordingSlot();

  constructor(agent: Agent, pipeline: Pipeline, options: AgentSessionOptions<A> = {}) {
    super(options, (err) => console.error('[earshot] session listener threw', err));
    this.pipeline = pipeline;
    this.#options = options;
    this.onWakeUp = options.onWakeUp;
    // Agents and tools see the session as the common case, AgentSession (on an AudioEngine);
    // only a test's stand-in audio makes `audio` something else.
    this.#agents = sessionAgents(agent, {
      session: this as unknown as AgentSession,
      llm: () => this.pipeline.llm,
      signal: () => this.#conv?.current?.signal ?? new AbortController().signal,
      report: (error) => this.#report(error, 'session'),
      emit: (previous, next, context) => {
        this.#conv?.agentChanged?.(next);
        this.emit('agent_changed', { agent: next, previous, context });
      },
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
    return this.#conv?.current ?? null;
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

  /**
   * Opens the mic, runs `agent.onEnter()`, then listens. Call it from a user gesture so
   * audio may start. The VAD keeps loading after it resolves (cold ~1 s): speech meanwhile
   * is heard once the model runs (`SileroVAD`'s `vad_ready`). A load failure is an `error`
   * (source `vad`) and the session carries on without voice input, as after a lost mic
   * (with a realtime model, start() waits for the VAD and rejects). Always settles: rejects with a typed
   * error (nothing stays open; the agent state returns to `idle` and `start()` may be
   * called again), or with `closed` if `close()` comes first or came before.
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
    // The VAD (worker, ORT, model: ~1 s cold) loads while the worklets load and the mic
    // opens: the session does not wait for it (issue 9, instant start). Frames captured
    // meanwhile queue in its worker and are heard, late, once the model runs.
    const vad = this.pipeline.vad;
    void vad.preload().catch(() => undefined); // its error comes from vad.start() below
    // A tool whose JSON Schema the validator cannot use fails the start (ConfigError); so does an MCP server's connect.
    const toolsReady = Promise.all([...this.agent.tools.map((t) => t.ready), connectServers(this.agent)]);
    const parts = [this.#options.dtmfHandler, this.#options.voiceMailDetector, this.#options.callControl];
    const detectors = detectorsOf(parts);
    const o = toneSafe(this.pipeline.audio, detectors);
    const engine = this.#options.audioEngine?.(o) ?? (new AudioEngine(o) as SessionAudio as A);
    this.#engine = engine;
    await engine.start({ detectors });
    check();
    await toolsReady;
    await engine.unlock();
    check();
    this.#ambience = new AmbienceLink(engine.mixer, engine.context);
    const host = this.#host(engine);
    const realtime = realtimeModel(this.pipeline.llm);
    // The cascade hears the VAD from its first frame; a realtime model taps the mic once the VAD runs.
    if (!realtime) this.#conv = new CascadeConversation(host);
    this.#offMic = watchMicrophone(engine, this, () => this.#life.closing);
    for (const part of parts) if (part) this.#detach.push(part.attach(this as unknown as AgentSession<SessionAudio>, (on) => this.#conv?.listen?.(on)));
    const vadLive = vad.start(engine);
    if (!realtime) {
      // Not awaited: a load failure is an error (source vad) and the session carries on without voice input, as after a lost mic.
      vadLive.catch((err: unknown) => this.#life.closing || this.#report(err, 'vad'));
    } else {
      await vadLive; // a realtime model taps the mic through the running VAD
      check();
      const conv = await realtime.startRealtime(host, (this.#connecting = new AbortController()).signal);
      if (this.#engine) this.#conv = conv;
      else void conv.close(); // close() tore down while it connected
      check();
    }
    const quiet = () => !this.#conv?.current && this.#states.user !== 'speaking' && this.#states.agent === 'idle' && !this.#life.closing;
    // The timer loads with the core's extras: most sessions have none.
    if (this.#options.wakeUp) this.#wake = new (await extras()).WakeUpTimer(this.#options.wakeUp, () => this.#fireWakeUp(), quiet);
    if (this.#options.backgroundAudio) await this.playBackgroundAudio(this.#options.backgroundAudio);
    check();
    this.#life.markReady();
    await this.agent.onEnter();
    check();
    this.#conv?.listen?.();
    this.#states.apply('started');
    this.#wake?.arm();
  }

  /**
   * Speaks `message`. Outside a tool it replaces what the agent is saying (if that is
   * interruptible; else it follows it). Inside a tool it joins the running turn without
   * interrupting it. The handle resolves when the audio has played.
   */
  say(message: string, options: { interruptible?: boolean; audio?: AudioSource; addToChatContext?: boolean } = {}): UtteranceHandle {
    const handle = new UtteranceHandle({ interruptible: options.interruptible ?? true });
    if (this.#life.closing && !this.#inExit) return done(handle);
    // Asked for before start: it follows what plays (e.g. onEnter's greeting) instead of replacing it.
    const deferred = !this.#life.ready;
    return this.#route(handle, (c) => c.say(handle, message, options, deferred));
  }

  /**
   * Generates an answer, steered by `instructions` (sent for this reply only, never stored
   * as a user message). A reply requested while one runs returns that one's handle; from a
   * tool it is scheduled after the current turn. With `waitForPlayback` (default) user
   * speech does not interrupt it: utterances are held and handled after it. `frames`:
   * pictures for this reply only (not stored in the history), for an LLM with `vision`
   * (else a ConfigError is thrown; `OpenAIRealtime` takes them as `input_image` parts).
   */
  reply(instructions: string, options: { waitForPlayback?: boolean; frames?: readonly VisionFrame[]; interruptible?: boolean } = {}): UtteranceHandle {
    if (options.frames?.length && !this.pipeline.llm.vision) throw new ConfigError(`${this.pipeline.llm.label} has no vision`);
    if (this.#reply && !this.#reply.done) return this.#reply;
    const handle = new UtteranceHandle({ interruptible: options.interruptible ?? true });
    if (this.#life.closing || !instructions.trim()) return done(handle);
    this.#reply = handle;
    return this.#route(handle, (c) => c.reply(handle, instructions, options.waitForPlayback ?? true, options.frames));
  }

  /**
   * Sends typed user text, as if it had been spoken: it interrupts the agent (if that is
   * allowed), is added as a user message, and is answered.
   */
  sendText(text: string): UtteranceHandle {
    const handle = new UtteranceHandle();
    if (this.#life.closing || !text.trim()) return done(handle);
    const early = !this.#life.ready;
    return this.#route(handle, (c) => c.sendText(handle, text.trim(), early));
  }

  /**
   * Stops the current utterance and its work (audio fades in ≤ 5 ms; LLM, TTS and tools
   * abort). A non-interruptible one needs `force`. Finished utterances are left alone.
   */
  interrupt(options: { force?: boolean } = {}): void {
    const current = this.currentUtterance;
    if (current && !current.done && (current.interruptible || options.force)) this.#conv?.interrupt('interrupt');
  }

  /** Hands `handle`'s work to the conversation once the session is ready; it ends interrupted if the session closes first. */
  #route(handle: UtteranceHandle, work: (conversation: Conversation) => void): UtteranceHandle {
    const drop = () => handle.interrupt({ force: true });
    this.#life.whenReady(() => (this.#conv ? work(this.#conv) : drop()), drop);
    return handle;
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

  /**
   * Records the session (started): a stereo WAV, mic left and agent right, sample-aligned from
   * the worklet taps, and the transcript with timings (also as JSON); `format: 'webm'` encodes
   * Opus through MediaRecorder, for long sessions. Options as `earshot/observe`'s SessionRecorder;
   * its module loads now. Rejects with `config-invalid` (recording already, bad options), `closed` (not started).
   */
  startRecording(options: SessionRecorderOptions = {}): Promise<void> {
    return this.#rec.start(this as unknown as RecordableSession, options);
  }

  /** Stops the recording and gives it (after `close()` too: what was recorded until then). Rejects with `closed` when not recording. */
  stopRecording(): Promise<Recording> {
    return this.#rec.stop();
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

  /** `onExit()` is running: it may still speak. */
  #inExit = false;

  async #close(reason: string, runExit: boolean): Promise<void> {
    const wasReady = this.#engine !== null && this.#ambience !== null;
    this.#states.apply('close', reason);
    this.#wake?.dispose();
    this.#conv?.interrupt('close');
    if (runExit && wasReady) {
      this.#inExit = true;
      const exit = Promise.resolve(this.agent.onExit()).then(() => this.#conv?.drained?.());
      await within(exit, this.#options.exitTimeoutMs ?? 5000).catch((error: unknown) => this.#report(error, 'session'));
      this.#inExit = false;
    }
    await this.#teardown();
    this.emit('session_closed', { reason });
  }

  async #teardown(): Promise<void> {
    this.#connecting.abort();
    const conv = this.#conv;
    this.#conv = null;
    await conv?.close();
    this.#offMic?.();
    this.#offMic = null;
    for (const detach of this.#detach.splice(0)) detach();
    this.#ambience?.dispose();
    this.#ambience = null;
    this.pipeline.vad.close();
    await this.#agents.release();
    const engine = this.#engine;
    this.#engine = null;
    await engine?.close();
  }

  /** What a conversation may use of the session (its agent and ambience read live). */
  #host(engine: SessionAudio): CascadeHost & RealtimeHost {
    const session = this;
    return {
      session: this as unknown as AgentSession,
      get agent() {
        return session.agent;
      },
      get ambience() {
        return session.#ambience;
      },
      audio: engine,
      vad: this.pipeline.vad,
      pipeline: this.pipeline,
      timeouts: this.pipeline.timeouts,
      states: this.#states,
      hub: this,
      report: (error, source) => this.#report(error, source),
      utterance: () => new UtteranceHandle(),
      userSpoke: () => this.#wake?.userSpoke(),
      busy: () => this.#wake?.pause(),
      idle: () => this.#wake?.arm(),
      closing: () => this.#life.closing,
      handoff: (agent, flush) => this.#agents.run(agent, agent.handoffContext, flush),
    };
  }

  #fireWakeUp(): void {
    this.emit('wake_up_fired', { afterSec: this.#options.wakeUp ?? 0 });
    void Promise.resolve()
      .then(() => this.onWakeUp?.(this))
      .catch((error) => this.#report(error, 'session'));
  }

  #needAmbience(): AmbienceLink {
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
