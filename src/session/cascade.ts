// Earshot's own conversation: the user's speech (UserInput: VAD, echo gate, barge-in, STT)
// becomes user turns, and every answer is a Turn (LLM → tools → TTS → mixer) run one after
// another by the TurnQueue. The session routes its API here when the LLM is a chat model.
import type { Agent } from '../agent/agent';
import { UtteranceHandle } from '../agent/utterance-handle';
import type { TurnClock } from '../telemetry/turn-metrics';
import { BargeInDetector } from '../turn/barge-in';
import { Turn, type TurnOutcome } from '../turn/turn';
import { resolveAudioSource } from './audio-source';
import type { VisionFrame } from '../providers/types';
import type { Conversation, ConversationHost, SayOptions } from './conversation';
import { within } from './lifecycle';
import type { Pipeline } from './pipeline';
import { answerContext, turnDeps, type TurnWiring } from './turn-hooks';
import { TurnQueue } from './turn-queue';
import { UserInput } from './user-input';
import { UserTurns, type UserUtterance } from './user-turn';

/** How long close() waits for a stopped turn to account for itself, ms. */
const TURN_SETTLE_MS = 500;

/** What the cascade needs besides the {@link ConversationHost} (its turns get it as their {@link TurnWiring}). */
export interface CascadeHost extends ConversationHost {
  readonly pipeline: Pipeline;
  /** `close()` was called: a turn's end no longer moves the states. */
  closing(): boolean;
  /** A tool returned an agent: hand the conversation over (`flush` runs before the swap). */
  handoff(agent: Agent, flush: () => void): Promise<void>;
}

type StopReason = 'barge_in' | 'interrupt' | 'say' | 'close';

/** The cascade {@link Conversation}: made when the session starts, before the VAD runs, so it hears the first frame. */
export class CascadeConversation implements Conversation {
  readonly #host: CascadeHost;
  readonly #input: UserInput;
  readonly #userTurns: UserTurns;
  readonly #turns: TurnQueue;
  /** Closed (its turns settled): no turn starts any more, and the voice bus is left alone. */
  #closed = false;

  constructor(host: CascadeHost) {
    this.#host = host;
    const { pipeline, audio, states } = host;
    pipeline.tts.prepare?.(audio.mixer);
    this.#turns = new TurnQueue({
      make: (handle, prefetch, clock) => (this.#closed ? null : new Turn(turnDeps(host, prefetch, clock), handle)),
      finished: (outcome) => host.hub.emit('agent_transcript', { text: outcome.speech.heardText, final: true, interrupted: outcome.interrupted }),
      report: (error) => host.report(error, 'session'),
      after: () => this.#afterTurn(),
    });
    this.#userTurns = new UserTurns({
      pipeline,
      chat: () => host.agent.chatContext,
      hub: host.hub,
      report: (error, source) => host.report(error, source),
      thinking: () => states.apply('transcribing'),
    });
    const v = pipeline.vad.options;
    const barge = new BargeInDetector(pipeline.interrupt, { positive: v.positiveSpeechThreshold, negative: v.negativeSpeechThreshold });
    this.#input = new UserInput(host.hub, audio, pipeline, barge, {
      states,
      currentTurn: () => this.#turns.current,
      onUtterance: (utterance, clock) => this.#userTurn(utterance, clock),
      sttError: (error) => host.report(error, 'stt'),
      answerContext: () => answerContext(pipeline, host.agent),
      onUserSpeech: () => host.userSpoke(),
      onSilence: () => host.idle(),
      interrupt: (turn) => this.#stop(turn, 'barge_in'),
    });
  }

  get current(): UtteranceHandle | null {
    return this.#turns.current?.handle ?? null;
  }

  /** Inside a tool it joins the running turn; otherwise a turn of its own, after (or instead of) the current one. */
  say(handle: UtteranceHandle, message: string, options: SayOptions = {}, deferred = false): void {
    const addToChat = options.addToChatContext ?? true;
    // The speech's options once its audio (if any) is decoded.
    const speech = Promise.resolve(options.audio && resolveAudioSource(options.audio, this.#host.audio.context)).then((a) => (a ? { audio: a, addToChat } : { addToChat }));
    const current = this.#turns.current;
    if (current?.inTools && !current.handle.done) {
      void speech.then((o) => current.addSpeech(message, o)).finally(() => handle.markDone());
      return;
    }
    if (!deferred) this.#replace('say');
    this.#turns.schedule(handle, async (turn) => turn.say(message, await speech));
  }

  reply(handle: UtteranceHandle, instructions: string, hold = true, frames?: readonly VisionFrame[]): void {
    this.#turns.schedule(handle, async (turn) => {
      if (hold) this.#input.hold(handle);
      return turn.generate(instructions, frames);
    });
  }

  sendText(handle: UtteranceHandle, text: string, early = false): void {
    if (!early) this.#replace('interrupt');
    this.#turns.schedule(handle, async (turn) => {
      this.#host.agent.chatContext.addMessage('user', text);
      this.#host.hub.emit('user_transcript', { text, final: true });
      return turn.generate();
    });
  }

  interrupt(reason: 'interrupt' | 'say' | 'close'): void {
    if (reason === 'close') {
      this.#input.accepting = false;
      this.#turns.dropQueued();
    }
    const turn = this.#turns.current;
    if (turn) this.#stop(turn, reason);
  }

  listen(on = true): void {
    this.#input.accepting = on;
    // Speech heard before is not answered either (a caller put on hold, a voicemail greeting).
    if (!on) this.#turns.dropQueued(true);
  }

  drained(): Promise<void> {
    return this.#turns.tail;
  }

  async close(): Promise<void> {
    this.interrupt('close');
    await within(this.#turns.tail, TURN_SETTLE_MS);
    this.#closed = true;
    this.#input.dispose();
  }

  /** New speech replaces what the agent says, if that may be interrupted (else it follows). */
  #replace(reason: 'say' | 'interrupt'): void {
    const current = this.#turns.current;
    if (current && !current.handle.done && current.handle.interruptible) this.#stop(current, reason);
  }

  #userTurn(utterance: UserUtterance, clock: TurnClock): void {
    const handle = new UtteranceHandle();
    this.#turns.schedule(handle, (turn) => this.#userTurns.run(turn, handle.signal, utterance, clock), utterance.prefetch, clock);
  }

  #stop(turn: Turn, reason: StopReason): void {
    if (turn.handle.done) return;
    turn.interrupt();
    this.#host.ambience?.stopThinking(true);
    void turn.speech.result.then((r) => {
      if (!this.#closed) this.#host.audio.mixer.setGain('voice', 1, 0); // undo a barge-in duck once the fade is over
      this.#host.hub.emit('turn_interrupted', { reason, heardText: r.heardText });
    });
  }

  #afterTurn(): void {
    if (this.#turns.current || this.#host.closing()) return;
    this.#host.ambience?.stopThinking();
    this.#host.states.apply('turn_ended');
    this.#input.release();
    this.#host.idle();
  }
}
