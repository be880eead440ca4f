import type { ChatItem, LLM, ToolSpec, TTS } from '../providers/types';
import type { TurnClock } from '../telemetry/turn-metrics';
import type { Prefetch } from '../turn/prefetch';
import type { BargeInAction } from '../turn/barge-in';
import type { Turn } from '../turn/turn';
import type { Pipeline } from './pipeline';
import type { UserUtterance } from './user-turn';

/** What the user side of the session lends the streaming-STT logic. */
export interface StreamingHost {
  readonly pipeline: Pipeline;
  readonly accepting: boolean;
  /** Speech frames the echo gate gave to the user since the last turn. */
  userFrames(): number;
  resetUserFrames(): void;
  /** Audio time (s) where the user's words begin (words before it, over the agent, are echo). */
  since(): number;
  /** The current utterance began over the agent. */
  overAgent(): boolean;
  /** The user's first frame in this utterance that the echo gate gave them is known. */
  userHeard(): boolean;
  activeTurn(): Turn | null;
  interruptible(turn: Turn): boolean;
  commit(utterance: UserUtterance, clock: TurnClock): void;
  interrupt(turn: Turn): void;
  /** The transcript so far (`user_transcript`, not final). */
  transcript(text: string): void;
  /** Undoes a duck that a word gate held. */
  release(at: number): void;
  sttError(error: unknown): void;
  /** What an answer would be made with now (for preemptive generation). */
  answerContext(): AnswerContext;
}

/** The providers and the request of a turn's first LLM round, as it would be made now. */
export interface AnswerContext {
  llm: LLM;
  tts: TTS;
  /** The history before the user's message. */
  items: readonly ChatItem[];
  tools: readonly ToolSpec[];
}

/** The streaming-STT side of the user's input (lives in its own module: `earshot/streaming`). */
export interface StreamingInput {
  speechStarted(at: number): void;
  /**
   * The VAD ended an utterance at `at` (audio time; `real`: the user's, not only echo).
   * Returns true when it takes care of the turn itself (echo, or `endpointing: 'stt'`).
   */
  speechEnded(real: boolean, at: number, audio: Float32Array, clock: TurnClock): boolean;
  /** The transcript since the last settle, once the provider has settled it. */
  settle(since: number): Promise<string>;
  /** HYBRID: the VAD confirmed an interruption of `turn`; the words decide. */
  confirmed(turn: Turn, at: number): void;
  /** A VAD frame and its barge-in action; true while a word gate holds it (the host does nothing more). */
  frame(at: number, probability: number, action: BargeInAction): boolean;
  /** The answer prepared ahead for the turn being committed, if any (handed over once). */
  takePrefetch(): Prefetch | undefined;
  dispose(): void;
}

/**
 * Makes the session's streaming side. It lives in `earshot/streaming` (not the core, which
 * batch apps use alone); a streaming STT carries it as `userInput`.
 */
export type StreamingInputFactory = (host: StreamingHost) => StreamingInput;
