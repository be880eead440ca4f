import type { LLM, TTS } from '../providers/types';

/**
 * Work started before the user's turn was over (preemptive generation): the LLM's answer
 * and the first sentence's audio, held (nothing played, nothing in the history) until the
 * turn is committed. The turn that answers uses the wrapped providers: if it was adopted,
 * a request equal to the one made ahead gets what was prefetched, then the rest live.
 */
export interface Prefetch {
  /** The user's text the work was started for. */
  readonly text: string;
  /** Wraps the session's LLM: the first matching request replays the held answer. */
  llm(real: LLM): LLM;
  /** Wraps the session's TTS: a request for the prefetched sentence replays its audio. */
  tts(real: TTS): TTS;
  /** The committed text matches: the answering turn takes the held work. */
  adopt(): void;
  /** Drops it: what runs is aborted; nothing was written or played. Idempotent. */
  discard(): void;
}

/** The same words, whatever the case, spacing and punctuation. */
export function sameText(a: string, b: string): boolean {
  const norm = (t: string) => t.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, ' ').trim();
  return norm(a) === norm(b);
}
