import type { ChatContext } from '../agent/chat-context';
import { concatFloat32 } from '../audio/dsp/pcm';
import type { STT } from '../providers/types';
import type { TurnClock } from '../telemetry/turn-metrics';
import type { Turn, TurnOutcome } from '../turn/turn';
import { transcribe } from './transcribe';

interface UserTurnDeps {
  stt: () => STT;
  sttTimeoutMs: () => number;
  chat: () => ChatContext;
  transcript(text: string, final: boolean): void;
  sttError(error: unknown): void;
  thinking(): void;
}

/**
 * Turns a user utterance into a user message and an answer, and loses nothing the user
 * said when they resume after a pause: an utterance whose transcription was cut (the user
 * spoke again and barged in, or the app interrupted) leads the next one's audio; a user
 * message whose answer was cut before a word of it was heard takes the next transcript.
 */
export class UserTurns {
  readonly #deps: UserTurnDeps;
  /** Audio of an utterance whose transcription was aborted: it leads the next one. */
  #unheard: Float32Array | null = null;
  /** A user message whose answer was cut before anything was heard: the next text joins it. */
  #unanswered: string | null = null;

  constructor(deps: UserTurnDeps) {
    this.#deps = deps;
  }

  async run(turn: Turn, signal: AbortSignal, utterance: Float32Array, clock: TurnClock): Promise<TurnOutcome> {
    const d = this.#deps;
    d.thinking();
    const audio = this.#unheard ? concatFloat32([this.#unheard, utterance]) : utterance;
    this.#unheard = null;
    const text = await transcribe(d.stt(), audio, signal, d.sttTimeoutMs(), { delta: (t) => d.transcript(t, false), error: (e) => d.sttError(e) });
    clock.sttDone = performance.now();
    if (!text) {
      // Cut while transcribing: the words were not heard yet, so they lead the next utterance.
      if (signal.aborted) this.#unheard = audio;
      return turn.say('', { addToChat: false });
    }
    const chat = d.chat();
    const joined = this.#unanswered !== null && nothingAnsweredSince(chat, this.#unanswered);
    let id: string;
    if (joined) {
      // The cut answer left at most empty assistant messages: they go, the words join.
      for (const item of chat.items.slice(chat.items.findIndex((i) => i.id === this.#unanswered) + 1)) chat.remove(item.id);
      const prev = chat.get(this.#unanswered!);
      const content = `${prev?.type === 'message' ? prev.content : ''} ${text}`.trim();
      id = chat.updateMessage(this.#unanswered!, { content })!.id;
      d.transcript(content, true);
    } else {
      id = chat.addMessage('user', text).id;
      d.transcript(text, true);
    }
    this.#unanswered = null;
    const outcome = await turn.generate();
    if (outcome.interrupted && outcome.speech.heardText.trim() === '') this.#unanswered = id;
    return outcome;
  }
}

/** Only empty, interrupted assistant messages follow the user message `id`. */
function nothingAnsweredSince(chat: ChatContext, id: string): boolean {
  const items = chat.items;
  const at = items.findIndex((i) => i.id === id);
  if (at < 0) return false;
  return items.slice(at + 1).every((i) => i.type === 'message' && i.role === 'assistant' && i.content.trim() === '');
}
