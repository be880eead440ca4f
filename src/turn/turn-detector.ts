import type { ChatItem } from '../providers/types';

/** What a {@link TurnDetector} judges: the user's words so far, the conversation, and optionally their voice. */
export interface TurnDetectorInput {
  /** The user's transcript for this turn so far (every final fragment, joined). */
  transcript: string;
  /** The conversation before this turn, oldest first. */
  history: readonly ChatItem[];
  /** The user's last seconds of audio: 16 kHz mono, −1…1. Audio detectors need it; text ones ignore it. */
  audio?: Float32Array;
  /** Aborts the prediction (the user spoke again, the session closed). */
  signal: AbortSignal;
}

/**
 * Says how likely it is that the user has finished their turn, so the session can answer
 * at once when they have and wait longer when they have not (see `eouDelaySec`).
 */
export interface TurnDetector {
  /** For metrics and logs, e.g. `text-heuristic`. */
  readonly label: string;
  /**
   * Probability, 0–1, that the user's turn is complete. An aborted call may reject with
   * an `AbortError` (the session ignores it); a failure rejects with an `EarshotError`
   * (`turn-detector-failed`, or `asset-load-failed` for a model that cannot be loaded).
   */
  predict(input: TurnDetectorInput): Promise<number>;
}

/** The probabilities {@link TextTurnDetector} answers with. */
export interface TextTurnProbabilities {
  /** Ends in terminal punctuation. Default 0.9. */
  complete: number;
  /** Ends in a continuation word, a filler or a hesitation mark. Default 0.15. */
  incomplete: number;
  /** Neither (no punctuation, an ordinary last word). Default 0.5. */
  neutral: number;
  /** No words at all (a cough, noise the STT returned as ""). Default 0.1. */
  empty: number;
}

export interface TextTurnDetectorOptions {
  /**
   * Words after which a sentence goes on (conjunctions, articles, prepositions, possessives),
   * lowercase. A last word from this list makes a turn incomplete even with a period after it
   * (STT adds one to most fragments), but not with `?` or `!` ("Who are you talking to?").
   * Default: English.
   */
  continuationWords?: Iterable<string>;
  /**
   * Fillers and hesitations, lowercase; an entry may be several words ("you know"). One at
   * the end makes a turn incomplete whatever punctuation follows ("Um." is no answer).
   * Default: English.
   */
  fillerWords?: Iterable<string>;
  /** Characters that end a sentence. Default `. ? ! 。 ？ ！`. */
  terminalMarks?: string;
  /**
   * Characters (or runs) that mark a trailing-off: comma, colon, semicolon, dashes and
   * ellipses ("…" or "..."; Whisper-style STT writes one when the speaker trails off
   * mid-sentence). Default `, ; : - – — … ...` and the CJK commas `，、`.
   */
  hesitationMarks?: Iterable<string>;
  /** Override some of the answers. */
  probabilities?: Partial<TextTurnProbabilities>;
}

/**
 * English words that rarely end a finished sentence. Words that often do ("that", "then",
 * "in", "on", auxiliaries like "will") are left out: a wrong "incomplete" costs the
 * maximum wait, not a cut-off, but on every such turn.
 */
export const DEFAULT_CONTINUATION_WORDS: readonly string[] = [
  'and', 'but', 'or', 'nor', 'so', 'because', 'cause', 'although', 'if', 'unless', 'whereas', 'than', 'as',
  'the', 'a', 'an', 'my', 'your', 'our', 'their',
  'to', 'of', 'with', 'for', 'from', 'into', 'onto', 'like',
  "i'm", "it's", "i'd", "i'll", "we're", "you're", "they're",
];

/** English fillers. "well", "you know", "I mean" are left out: they end real sentences too. */
export const DEFAULT_FILLER_WORDS: readonly string[] = ['um', 'umm', 'uh', 'uhh', 'uhm', 'er', 'erm', 'hmm'];

export const DEFAULT_TEXT_TURN_PROBABILITIES: TextTurnProbabilities = { complete: 0.9, incomplete: 0.15, neutral: 0.5, empty: 0.1 };

const DEFAULT_TERMINAL = '.?!。？！';
const DEFAULT_HESITATION = [',', ';', ':', '-', '–', '—', '…', '...', '，', '、'];
/** Closing quotes and brackets say nothing about the turn: look past them. */
const CLOSERS = /["'”’»)\]}\s]+$/u;
/** Strong terminals win over a continuation word; a plain period does not. */
const STRONG = '?!？！';

/**
 * A heuristic end-of-turn detector on the transcript alone, in this order: no words →
 * `empty`; a trailing hesitation mark → `incomplete`; a trailing filler → `incomplete`;
 * `?`/`!` → `complete`; a trailing continuation word → `incomplete`; other terminal
 * punctuation → `complete`; anything else → `neutral`.
 *
 * It is a heuristic: it knows nothing of prosody, and STT punctuation varies by provider
 * (some end every fragment with a period). A model detector (`earshot/smart-turn`, on the
 * user's audio) is better where its size is acceptable. The word lists are English by
 * default; pass your own for other languages.
 */
export class TextTurnDetector implements TurnDetector {
  readonly label = 'text-heuristic';
  readonly #continuation: ReadonlySet<string>;
  /** Fillers as word arrays, to match multi-word entries against the last words. */
  readonly #fillers: readonly string[][];
  readonly #terminal: string;
  readonly #hesitation: readonly string[];
  readonly #p: TextTurnProbabilities;

  constructor(options: TextTurnDetectorOptions = {}) {
    this.#continuation = new Set([...(options.continuationWords ?? DEFAULT_CONTINUATION_WORDS)].map((w) => w.toLowerCase()));
    this.#fillers = [...(options.fillerWords ?? DEFAULT_FILLER_WORDS)].map(words).filter((w) => w.length > 0);
    this.#terminal = options.terminalMarks ?? DEFAULT_TERMINAL;
    this.#hesitation = [...(options.hesitationMarks ?? DEFAULT_HESITATION)].filter((m) => m.length > 0);
    this.#p = { ...DEFAULT_TEXT_TURN_PROBABILITIES, ...options.probabilities };
  }

  predict({ transcript, signal }: TurnDetectorInput): Promise<number> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return Promise.resolve(this.score(transcript));
  }

  /** The same answer as {@link predict}, synchronously. */
  score(transcript: string): number {
    const text = transcript.replace(CLOSERS, '');
    const tokens = words(text);
    if (tokens.length === 0) return this.#p.empty;
    if (this.#hesitation.some((m) => text.endsWith(m))) return this.#p.incomplete;
    if (this.#fillers.some((f) => endsWithWords(tokens, f))) return this.#p.incomplete;
    const last = text.at(-1) ?? '';
    const terminal = this.#terminal.includes(last);
    if (terminal && STRONG.includes(last)) return this.#p.complete;
    if (this.#continuation.has(tokens[tokens.length - 1]!)) return this.#p.incomplete;
    return terminal ? this.#p.complete : this.#p.neutral;
  }
}

/** Lowercase words: letters, digits and inner apostrophes ("i'm"). */
function words(text: string): string[] {
  return text.toLowerCase().replace(/’/g, "'").match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu) ?? [];
}

function endsWithWords(tokens: readonly string[], tail: readonly string[]): boolean {
  if (tail.length > tokens.length) return false;
  const at = tokens.length - tail.length;
  return tail.every((w, i) => tokens[at + i] === w);
}

/** The signal's reason when it is an error, else a DOMException named AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The turn detection was aborted', 'AbortError');
}
