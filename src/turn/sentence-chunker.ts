/** Options of {@link SentenceChunker}. */
export interface SentenceChunkerOptions {
  /**
   * A weak terminator (`, ; :`, CJK commas, em/en dash, spaced ` - `) cuts only once the
   * segment is at least this many characters, so a long first sentence can start playing
   * sooner without chopping short phrases. Default 20; `Infinity` disables weak cuts.
   */
  minClauseChars?: number;
  /** Hard limit per segment, in characters: cut at the last whitespace before it. Default 250. */
  maxChars?: number;
}

const STRONG = new Set(['.', '!', '?', '…']);
/** CJK terminators need no space after them: CJK text has none. */
const CJK_STRONG = new Set(['。', '！', '？']);
const WEAK = new Set([',', ';', ':', '，', '、', '；', '：', '–', '—']);
const CJK_WEAK = new Set(['，', '、', '；', '：']);
/** Stay attached to the terminator before them: quotes, brackets, Markdown emphasis. */
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '}', '»', '」', '』', '）', '】', '*', '_', '`']);
/** Lower-case tokens whose trailing period doesn't end a sentence. */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'cf', 'approx']);

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/**
 * Cuts streamed LLM text into segments for the TTS: whole sentences, or long clauses, so
 * speech starts before the LLM finishes while each request still has natural prosody.
 *
 * Every cut is decided from the text already seen and never revised, so the segments do
 * not depend on how the text was split into deltas. Differences from the original (§4.7):
 * a strong terminator cuts as soon as whitespace follows it (its decision never depends on
 * the next word, so waiting for it would only add one delta of latency); there is no idle
 * timer (the caller may `flush()` on its own timeout); fenced code is not tracked.
 * Segments are trimmed and non-empty; run {@link stripMarkdown} on each before the TTS.
 */
export class SentenceChunker {
  readonly #minClause: number;
  readonly #max: number;
  #buf = '';

  constructor(opts: SentenceChunkerOptions = {}) {
    this.#minClause = opts.minClauseChars ?? 20;
    this.#max = Math.max(1, Math.floor(opts.maxChars ?? 250));
  }

  /** Adds an LLM text delta; returns the segments it completed (often none). */
  push(delta: string): string[] {
    this.#buf += delta;
    return this.#drain();
  }

  /** Ends the input: returns the remaining segments and resets, ready for the next turn. */
  flush(): string[] {
    const out = this.#drain();
    const rest = this.#buf.trim();
    this.#buf = '';
    if (rest) out.push(rest);
    return out;
  }

  #drain(): string[] {
    const out: string[] = [];
    for (;;) {
      // Leading whitespace belongs to no segment; dropping it early keeps index 0 = segment start.
      this.#buf = this.#buf.replace(/^\s+/, '');
      const cut = this.#findCut(this.#buf);
      if (cut === undefined) return out;
      const segment = this.#buf.slice(0, cut).trim();
      this.#buf = this.#buf.slice(cut);
      if (segment) out.push(segment);
    }
  }

  /** End index of the first segment in `buf`, or `undefined` if it is not decided yet. */
  #findCut(buf: string): number | undefined {
    const limit = Math.min(buf.length, this.#max);
    for (let i = 0; i < limit; i++) {
      const ch = buf[i] as string;
      if (ch === '\n') return i;
      const kind = STRONG.has(ch) ? 'strong' : CJK_STRONG.has(ch) ? 'cjk' : isWeakAt(buf, i) ? 'weak' : undefined;
      if (!kind) continue;
      let runEnd = i + 1;
      if (kind !== 'weak') while (STRONG.has(buf[runEnd] ?? '') || CJK_STRONG.has(buf[runEnd] ?? '')) runEnd++;
      let end = runEnd;
      while (CLOSERS.has(buf[end] ?? '')) end++;
      if (end > this.#max) break; // would overflow: leave it to the hard cut
      // The look-ahead hasn't arrived yet: wait rather than guess (at flush the rest goes out whole).
      if (end === buf.length) return undefined;
      const spaced = isSpace(buf[end]);
      if (kind === 'cjk') return end;
      if (kind === 'strong') {
        // "3.14", "example.com", "v1.2" have no space after the dot.
        if (spaced && !(runEnd - i === 1 && ch === '.' && isProtectedPeriod(buf, i))) return end;
      } else if (end >= this.#minClause && (spaced || ch === '—' || CJK_WEAK.has(ch))) {
        // "1,000" and "10:30" have no space; an em dash often joins words without one.
        return end;
      }
      i = end - 1;
    }
    if (buf.length <= this.#max) return undefined;
    // No terminator within maxChars: cut at the last whitespace, or inside an over-long word.
    for (let k = this.#max; k > 0; k--) if (isSpace(buf[k])) return k;
    const code = buf.charCodeAt(this.#max - 1);
    return code >= 0xd800 && code <= 0xdbff && this.#max > 1 ? this.#max - 1 : this.#max;
  }
}

/** A weak terminator, including a hyphen used as a dash (" - "); a hyphen inside a word is not. */
function isWeakAt(buf: string, i: number): boolean {
  const ch = buf[i] as string;
  return WEAK.has(ch) || (ch === '-' && buf[i - 1] === ' ');
}

/** A single period after an abbreviation, an initial ("J. R."), an acronym ("U.S.") or a list number ("2."). */
function isProtectedPeriod(buf: string, i: number): boolean {
  let start = i;
  while (start > 0 && !isSpace(buf[start - 1])) start--;
  const token = buf.slice(start, i).replace(/^[("'“‘[{*_]+/, '');
  if (/^\d+$/.test(token)) {
    // Only a list marker at the start of a line: "I am 30. Then" is a sentence end.
    const lineStart = buf.lastIndexOf('\n', start - 1) + 1;
    return buf.slice(lineStart, start).trim() === '';
  }
  if (/^[A-Z]$/.test(token) || /^([A-Za-z]\.)+[A-Za-z]$/.test(token)) return true;
  return ABBREVIATIONS.has(token.toLowerCase());
}

const CODE = '\uE000';

/**
 * Removes Markdown that a TTS would read aloud: `**bold**`, `*italic*`, `_italic_`,
 * `~~strike~~`, `# headings`, `> quotes`, list bullets, rules, `` `code` `` (keeps the
 * code text), fenced code blocks (dropped), links and images (keep the text / alt text).
 * Leftover emphasis markers of a pair split across segments are removed too.
 * Whitespace is collapsed and the result trimmed; it may be empty (skip it).
 */
export function stripMarkdown(text: string): string {
  const codes: string[] = [];
  const out = text
    .replace(/```[\s\S]*?(?:```|$)/g, ' ')
    // Inline code is protected so emphasis rules don't touch `snake_case` or `a*b`.
    .replace(/`([^`\n]+)`/g, (_, c: string) => `${CODE}${codes.push(c) - 1}${CODE}`)
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<(https?:\/\/[^>\s]+)>/g, '$1')
    .replace(/^[ \t]*#{1,6}[ \t]+/gm, '')
    .replace(/^[ \t]*>[ \t]?/gm, '')
    .replace(/^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$/gm, '')
    .replace(/^[ \t]*[-*+•][ \t]+/gm, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/(^|[^\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])/g, '$1$2')
    .replace(/(^|\W)_(?=[^\s_])([^_\n]*?[^\s_])_(?!\w)/g, '$1$2')
    .replace(/\*\*|__|~~/g, '')
    .replace(/(^|\s)\*(?=\S)|(?<=\S)\*(?=\s|$)/g, '$1')
    .replace(new RegExp(`${CODE}(\\d+)${CODE}`, 'g'), (_, n: string) => codes[Number(n)] ?? '');
  return out.replace(/\s+/g, ' ').trim();
}
