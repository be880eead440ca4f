// The seam between AgentSession and a realtime speech-to-speech model (given as the
// pipeline's `llm`): the session starts its audio, VAD and agent as usual, then hands the
// conversation to the model's conductor (a Conversation) instead of Earshot's cascade.
// The conductor lives in the model's entry (e.g. `earshot/realtime`), so the core carries
// only these types and a type guard.
import type { UtteranceHandle } from '../agent/utterance-handle';
import type { LLM } from '../providers/types';
import type { Conversation, ConversationHost } from './conversation';
import type { Timeouts } from './pipeline';
import type { SessionVAD } from './session-audio';

/** What the session lends a realtime conductor: the {@link ConversationHost}, and the VAD's mic tap. */
export interface RealtimeHost extends ConversationHost {
  /** Started; its `vad_audio` taps the mic (16 kHz frames). */
  readonly vad: SessionVAD;
  readonly timeouts: Timeouts;
  /** A new utterance handle (for an answer the model starts by itself). */
  utterance(): UtteranceHandle;
}

/** A running realtime conversation, driven by the session's API: the session's {@link Conversation}. */
export interface RealtimeConductor extends Conversation {
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
