/**
 * Words that acknowledge rather than take the turn ("mm-hm", "yeah"): said over the agent
 * they never interrupt it, and alone they never become a turn of their own. Lower case;
 * multi-word phrases are matched as a whole.
 */
export const DEFAULT_BACKCHANNELS: readonly string[] = [
  'mm-hm', 'mhm', 'mm', 'hm', 'hmm', 'uh-huh', 'uh huh', 'yeah', 'yep', 'yes', 'okay', 'ok', 'right', 'sure', 'i see', 'got it', 'cool', 'alright', 'all right',
];

const normalize = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s-]+/gu, ' ')
    .replace(/(^|\s)-+|-+(?=\s|$)/g, ' ')
    .split(/\s+/)
    .filter(Boolean);

/**
 * Words of `text` that are not part of a backchannel phrase. "Yeah, okay." → 0;
 * "yeah but wait" → 2.
 */
export function substantiveWords(text: string, backchannels: readonly string[]): number {
  const words = normalize(text);
  const phrases = backchannels.map(normalize).filter((p) => p.length > 0).sort((a, b) => b.length - a.length);
  let count = 0;
  for (let i = 0; i < words.length; ) {
    const hit = phrases.find((p) => p.every((w, k) => words[i + k] === w));
    if (hit) i += hit.length;
    else {
      count++;
      i++;
    }
  }
  return count;
}
