// The seam between AgentSession and a realtime speech-to-speech model (given as the
// pipeline's `llm`): the session starts its audio, VAD and agent as usual, then hands the
// conversation to the model's conductor instead of building its own user input and turns.
// The conductor lives in the model's entry (e.g. `earshot/realtime`), so the core carries
// only these types and a type guard.
import type { Agent } from '../agent/agent';
import type { UtteranceHandle } from '../agent/utterance-handle';
import type { EventHub } from '../events';
import type { LLM } from '../providers/types';
import type { AgentSession } from './agent-session';
import type { Ambience } from './ambience';
import type { Timeouts } from './pipeline';
import type { SessionAudio, SessionVAD } from './session-audio';
import type { AgentSessionEvents } from './session-events';
import type { SessionStates } from './states';

/** What the session lends a realtime conductor. */
export interface RealtimeHost {
  /** Given to tools as `ctx.session`. */
  readonly session: AgentSession;
  readonly agent: Agent;
  /** Started, with the mixer the model's voice plays on. */
  readonly audio: SessionAudio;
  /** Started; its `vad_audio` taps the mic (16 kHz frames). */
  readonly vad: SessionVAD;
  /** The only writer of the agent and user states. */
  readonly states: SessionStates;
  readonly hub: EventHub<AgentSessionEvents>;
  readonly timeouts: Timeouts;
  readonly ambience: Ambience | null;
  /** Emits `error` (a background failure; the session goes on). */
  report(error: unknown, source: AgentSessionEvents['error']['source']): void;
  /** A new utterance handle (for an answer the model starts by itself). */
  utterance(): UtteranceHandle;
  /** The user spoke: the wake-up timer waits. */
  userSpoke(): void;
  /** The agent works or speaks: the wake-up timer stops counting. */
  busy(): void;
  /** The agent finished a turn and nobody speaks: the wake-up timer may run. */
  idle(): void;
}

/** A running realtime conversation, driven by the session's API. */
export interface RealtimeConductor {
  /** Speaks `text` verbatim; `handle` ends when it has played (or is interrupted). */
  say(handle: UtteranceHandle, text: string): void;
  /** Generates an answer steered by `instructions` (this response only). */
  reply(handle: UtteranceHandle, instructions: string): void;
  /** Typed user text, answered like speech. */
  sendText(handle: UtteranceHandle, text: string): void;
  /** The utterance being generated or played, if any. */
  readonly current: UtteranceHandle | null;
  /** Stops what the agent says (audio at once; the item truncated at what was played). */
  interrupt(reason: 'interrupt' | 'say' | 'close'): void;
  /** Releases the socket and the mic tap. */
  close(): Promise<void>;
}

/** A speech-to-speech model: as the pipeline's `llm`, it makes the session speech-to-speech. */
export interface RealtimeModel extends LLM {
  /** Opens the model's connection on the session's audio; rejects with a typed error. */
  startRealtime(host: RealtimeHost, signal: AbortSignal): Promise<RealtimeConductor>;
}

/** The LLM as a realtime model, or null for a chat model. */
export function realtimeModel(llm: LLM): RealtimeModel | null {
  return typeof (llm as Partial<RealtimeModel>).startRealtime === 'function' ? (llm as RealtimeModel) : null;
}
