// The seam between AgentSession and what runs its conversation: Earshot's own cascade (turns
// of STT → LLM → TTS; ./cascade.ts) or a realtime model's conductor (in the model's entry,
// e.g. `earshot/realtime`; see ./realtime-hook.ts). The session picks one when it starts and
// routes say/reply/sendText/interrupt and close to it, so it never asks which one runs; it
// keeps what both share: audio, VAD, agent and handovers, states, wake-up, start and close.
import type { Agent } from '../agent/agent';
import type { UtteranceHandle } from '../agent/utterance-handle';
import type { EventHub } from '../events';
import type { AgentSession } from './agent-session';
import type { AmbienceLink } from './ambience-link';
import type { AudioSource } from './audio-source';
import type { VisionFrame } from '../providers/types';
import type { SessionAudio } from './session-audio';
import type { AgentSessionEvents } from './session-events';
import type { SessionStates } from './states';

/** What the session lends a conversation, whichever kind. */
export interface ConversationHost {
  /** Given to tools as `ctx.session`. */
  readonly session: AgentSession;
  /** The agent in charge now (a handover changes it): its instructions, tools and history. */
  readonly agent: Agent;
  /** Started, with the mixer the agent's voice plays on. */
  readonly audio: SessionAudio;
  /** The only writer of the agent and user states. */
  readonly states: SessionStates;
  readonly hub: EventHub<AgentSessionEvents>;
  /** Background and thinking audio; null once the session is torn down. */
  readonly ambience: AmbienceLink | null;
  /** Emits `error` (a background failure; the session goes on). */
  report(error: unknown, source: AgentSessionEvents['error']['source']): void;
  /** The user spoke: the wake-up timer waits. */
  userSpoke(): void;
  /** The agent works or speaks: the wake-up timer stops counting. */
  busy(): void;
  /** The agent finished a turn and nobody speaks: the wake-up timer may run. */
  idle(): void;
}

/** What a `say()` may carry (a realtime model speaks only the text). */
export interface SayOptions {
  audio?: AudioSource;
  addToChatContext?: boolean;
}

/**
 * A running conversation, driven by the session's API. Each call gets the handle the session
 * already returned to the app; the conversation ends it (played, or interrupted).
 */
export interface Conversation {
  /** The utterance being generated or played, if any. */
  readonly current: UtteranceHandle | null;
  /** Speaks `text`; `deferred`: asked for before start, so it follows what plays rather than replacing it. */
  say(handle: UtteranceHandle, text: string, options?: SayOptions, deferred?: boolean): void;
  /**
   * Generates an answer steered by `instructions` (this reply only); `hold`: user speech waits
   * until it has played; `frames`: pictures for this reply (the session checked the LLM's vision).
   */
  reply(handle: UtteranceHandle, instructions: string, hold?: boolean, frames?: readonly VisionFrame[]): void;
  /** Typed user text, answered like speech; `early`: sent before start, so it interrupts nothing. */
  sendText(handle: UtteranceHandle, text: string, early?: boolean): void;
  /**
   * Stops what the agent says (the session checked it may). `close`: the session is closing:
   * also drop what waits and stop hearing the user.
   */
  interrupt(reason: 'interrupt' | 'say' | 'close'): void;
  /** Releases what it holds (after `interrupt('close')`), in bounded time. */
  close(): Promise<void>;
  /** The agent's `onEnter` has run: from now on the user's speech is heard (`on` false: ignored again, a caller on hold). */
  listen?(on?: boolean): void;
  /** Resolves once what was asked of it so far has played out (close lets `onExit` speak). */
  drained?(): Promise<void>;
  /** Another agent took over (`agent_changed`): a conversation that copied its settings updates them. */
  agentChanged?(agent: Agent): void;
}
