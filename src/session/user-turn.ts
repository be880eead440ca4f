import type { ChatContext } from '../agent/chat-context';
import { concatFloat32 } from '../audio/dsp/pcm';
import type { STT } from '../providers/types';
import { substantiveWords } from '../turn/backchannel';
import { eouDelaySec } from '../turn/eou-policy';
import { sameText, type Prefetch } from '../turn/prefetch';
import type { EventHub } from '../events';
import type { Pipeline } from './pipeline';
import type { AgentSessionEvents } from './session-events';
import type { TurnClock } from '../telemetry/turn-metrics';
import type { Turn, TurnOutcome } from '../turn/turn';
import { transcribe } from './transcribe';

/** What the user said, as the session hands it to a turn. */
export interface UserUtterance {
  /** 16 kHz mono, pre-roll included (the batch STT transcribes it). */
  audio: Float32Array;
  /** The transcript, when a streaming STT already has it (or is settling it). */
  text?: Promise<string>;
  /** Said over the agent without interrupting it: answered only if it is more than a backchannel. */
  overAgent: boolean;
  /** An answer prepared before the turn was over, for the text it was started with. */
  prefetch?: Prefetch;
}

interface UserTurnDeps {
  /** The STT, end-of-turn, backchannel and time-limit settings in force. */
  pipeline: Pick<Pipeline, 'batchStt' | 'eou' | 'interrupt' | 'timeouts'>;
  chat: () => ChatContext;
  hub: Pick<EventHub<AgentSessionEvents>, 'emit'>;
  report(error: unknown, source: 'stt' | 'turn'): void;
  /** The transcript is being made or awaited. */
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
  /**
   * Text of an utterance whose turn was cut before it was answered (a streaming transcript
   * still settling, or the user resumed during the end-of-turn wait): it leads the next.
   */
  #carried: Promise<string> | null = null;
  /** A user message whose answer was cut before anything was heard: the next text joins it. */
  #unanswered: string | null = null;

  constructor(deps: UserTurnDeps) {
    this.#deps = deps;
  }

  async run(turn: Turn, signal: AbortSignal, utterance: UserUtterance, clock: TurnClock): Promise<TurnOutcome> {
    try {
      return await this.#run(turn, signal, utterance, clock);
    } finally {
      utterance.prefetch?.discard(); // a no-op once adopted and replayed
    }
  }

  async #run(turn: Turn, signal: AbortSignal, utterance: UserUtterance, clock: TurnClock): Promise<TurnOutcome> {
    const d = this.#deps;
    d.thinking();
    // A streaming transcript (already settling) arrives even if this turn is cut: it then leads the next.
    const text = utterance.text ? await this.#withCarried(utterance.text, signal) : await this.#batch(utterance.audio, signal, clock);
    clock.sttDone = performance.now();
    if (!text) utterance.prefetch?.discard();
    // No words (or cut while transcribing: they lead the next utterance), or only a
    // backchannel said over the agent, or the user went on speaking: no answer.
    if (!text || (utterance.overAgent && substantiveWords(text, d.pipeline.interrupt.backchannels) === 0)) return turn.say('', { addToChat: false });
    if (!(await this.#endOfTurn(text, utterance.audio, signal))) {
      this.#carried = Promise.resolve(text);
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
      this.#transcript(content, true);
    } else {
      id = chat.addMessage('user', text).id;
      this.#transcript(text, true);
    }
    this.#unanswered = null;
    // The answer prepared ahead fits only the very text it was prepared for.
    const prefetch = utterance.prefetch;
    if (prefetch && !joined && sameText(prefetch.text, text)) {
      prefetch.adopt();
      clock.preemptive = true;
    } else prefetch?.discard(); // now, not after this answer: its requests stop at once
    const outcome = await turn.generate();
    if (outcome.interrupted && outcome.speech.heardText.trim() === '') this.#unanswered = id;
    return outcome;
  }

  #transcript(text: string, final: boolean): void {
    this.#deps.hub.emit('user_transcript', { text, final });
  }

  /**
   * With a turn detector: waits for more speech as long as the probability that the turn is
   * complete says (`eouDelaySec`). False if the turn was cut meanwhile (the user went on).
   */
  async #endOfTurn(text: string, audio: Float32Array, signal: AbortSignal): Promise<boolean> {
    const d = this.#deps;
    const eou = d.pipeline.eou;
    const detector = eou.turnDetector;
    if (!detector) return !signal.aborted;
    let p = Number.NaN;
    try {
      p = await detector.predict({ transcript: text, history: d.chat().items, ...(audio.length ? { audio } : {}), signal });
    } catch (error) {
      if (signal.aborted) return false;
      d.report(error, 'turn');
    }
    const ms = eouDelaySec(p, eou) * 1000;
    if (ms > 0) await unlessAborted(new Promise((r) => setTimeout(r, ms)), signal);
    return !signal.aborted;
  }

  async #batch(utterance: Float32Array, signal: AbortSignal, clock: TurnClock): Promise<string> {
    const d = this.#deps;
    const stt = d.pipeline.batchStt;
    if (!stt) return '';
    const audio = this.#unheard ? concatFloat32([this.#unheard, utterance]) : utterance;
    this.#unheard = null;
    const on: Parameters<typeof transcribe>[4] = { delta: (t) => this.#transcript(t, false), error: (e) => d.report(e, 'stt') };
    const text = await transcribe(stt, audio, signal, d.pipeline.timeouts.sttMs, on);
    clock.meta('stt', on.request);
    if (!text && signal.aborted) this.#unheard = audio;
    return text ? this.#withCarried(Promise.resolve(text), signal) : text;
  }

  /** `text` after what was carried over; if this turn is cut first, all of it is carried on. */
  async #withCarried(text: Promise<string>, signal: AbortSignal): Promise<string> {
    const earlier = this.#carried;
    this.#carried = null;
    const both = Promise.all([earlier ?? '', text]).then((parts) => parts.map((p) => p.trim()).filter(Boolean).join(' '));
    const got = await unlessAborted(both, signal);
    if (got === undefined) {
      this.#carried = both;
      return '';
    }
    return got;
  }
}

/** Resolves with `promise`'s value, or undefined once `signal` aborts. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      () => (signal.removeEventListener('abort', onAbort), resolve(undefined)),
    );
  });
}

/** Only empty, interrupted assistant messages follow the user message `id`. */
function nothingAnsweredSince(chat: ChatContext, id: string): boolean {
  const items = chat.items;
  const at = items.findIndex((i) => i.id === id);
  if (at < 0) return false;
  return items.slice(at + 1).every((i) => i.type === 'message' && i.role === 'assistant' && i.content.trim() === '');
}
