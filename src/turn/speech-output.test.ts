import { describe, expect, it } from 'vitest';
import { cutAtWord } from './speech-output';
import { dropPartialWord } from './turn';

const TEXT = 'The quick brown fox jumps over the lazy dog';

function wordCount(s: string): number {
  return s === '' ? 0 : s.split(/\s+/).length;
}

describe('cutAtWord', () => {
  it('fraction 0 (or less) gives nothing', () => {
    expect(cutAtWord(TEXT, 0)).toBe('');
    expect(cutAtWord(TEXT, -0.5)).toBe('');
  });

  it('fraction 1 (or more) gives the whole text', () => {
    expect(cutAtWord(TEXT, 1)).toBe(TEXT);
    expect(cutAtWord(TEXT, 1.5)).toBe(TEXT);
  });

  it('keeps a word once the cut passes its middle, not before', () => {
    // 'abcd efgh': 9 chars. 'abcd' spans [0,4), middle 2; 'efgh' spans [5,9), middle 7.
    const text = 'abcd efgh';
    // at = round(9 × f)
    expect(cutAtWord(text, 1 / 9)).toBe(''); // at 1 < 2
    expect(cutAtWord(text, 2 / 9)).toBe('abcd'); // at 2 = middle
    expect(cutAtWord(text, 3 / 9)).toBe('abcd');
    expect(cutAtWord(text, 6 / 9)).toBe('abcd'); // at 6 < 7
    expect(cutAtWord(text, 7 / 9)).toBe('abcd efgh'); // at 7 = middle
    expect(cutAtWord(text, 8 / 9)).toBe('abcd efgh');
  });

  it('on a longer sentence, cuts at the right word', () => {
    // 'The quick brown fox jumps over the lazy dog' (43 chars).
    // 'fox' spans [16,19), middle 17.5; 'jumps' spans [20,25), middle 22.5.
    expect(cutAtWord(TEXT, 17 / 43)).toBe('The quick brown');
    expect(cutAtWord(TEXT, 18 / 43)).toBe('The quick brown fox');
    expect(cutAtWord(TEXT, 22 / 43)).toBe('The quick brown fox');
    expect(cutAtWord(TEXT, 23 / 43)).toBe('The quick brown fox jumps');
    expect(cutAtWord(TEXT, 0.5)).toBe('The quick brown fox'); // at round(21.5) = 22
  });

  it('handles multiple spaces: keeps the original spacing inside, no trailing space', () => {
    const text = 'one   two    three';
    // 'one' [0,3) mid 1.5; 'two' [6,9) mid 7.5; 'three' [13,18) mid 15.5; 18 chars.
    expect(cutAtWord(text, 2 / 18)).toBe('one');
    expect(cutAtWord(text, 7 / 18)).toBe('one');
    expect(cutAtWord(text, 8 / 18)).toBe('one   two');
    expect(cutAtWord(text, 12 / 18)).toBe('one   two');
    expect(cutAtWord(text, 16 / 18)).toBe('one   two    three');
  });

  it('ignores leading whitespace in the result', () => {
    const text = '   hello world';
    // 'hello' [3,8) mid 5.5; 14 chars.
    expect(cutAtWord(text, 6 / 14)).toBe('hello');
  });

  it('keeps punctuation attached to its word', () => {
    const text = 'Hello, world! How are you?';
    // 'Hello,' [0,6) mid 3; 'world!' [7,13) mid 10; 'How' [14,17) mid 15.5; 26 chars.
    expect(cutAtWord(text, 3 / 26)).toBe('Hello,');
    expect(cutAtWord(text, 10 / 26)).toBe('Hello, world!');
    expect(cutAtWord(text, 16 / 26)).toBe('Hello, world! How');
    for (let i = 1; i < 26; i++) {
      const out = cutAtWord(text, i / 26);
      // Never a word split from its punctuation.
      expect(['', 'Hello,', 'Hello, world!', 'Hello, world! How', 'Hello, world! How are', 'Hello, world! How are you?']).toContain(out);
    }
  });

  it('empty text stays empty', () => {
    expect(cutAtWord('', 0.5)).toBe('');
  });

  it('is monotonic in fraction: more fraction never gives fewer words', () => {
    const texts = [TEXT, 'one   two    three', 'Hello, world! How are you?', 'a bb ccc dddd eeeee ffffff', 'supercalifragilistic is long'];
    for (const text of texts) {
      let prevWords = 0;
      let prevLen = 0;
      for (let i = 0; i <= 200; i++) {
        const out = cutAtWord(text, i / 200);
        const n = wordCount(out);
        expect(n).toBeGreaterThanOrEqual(prevWords);
        expect(out.length).toBeGreaterThanOrEqual(prevLen);
        prevWords = n;
        prevLen = out.length;
      }
      expect(prevWords).toBe(wordCount(text.trim()));
    }
  });

  it('the result is always a prefix of the text (after trim) made of whole words', () => {
    const texts = [TEXT, '  padded   text here  ', 'Hello, world! How are you?', 'x'];
    for (const text of texts) {
      const trimmed = text.trim();
      const words = trimmed.split(/\s+/);
      for (let i = 0; i <= 100; i++) {
        const out = cutAtWord(text, i / 100).trim();
        expect(trimmed.startsWith(out)).toBe(true);
        if (out) expect(out.split(/\s+/)).toEqual(words.slice(0, wordCount(out)));
        // Below 1 the cut itself comes back trimmed (at 1 the text is returned as given).
        if (i < 100) expect(cutAtWord(text, i / 100)).toBe(out);
      }
    }
  });
});

describe('dropPartialWord (an LLM stream that broke off)', () => {
  it('drops a trailing word the raw text does not show as finished', () => {
    expect(dropPartialWord(['The quick brown f'], 'The quick brown f')).toEqual(['The quick brown']);
    expect(dropPartialWord(['First sentence.', 'Then a wo'], 'First sentence. Then a wo')).toEqual(['First sentence.', 'Then a']);
  });
  it('keeps the last word when whitespace or punctuation follows it', () => {
    expect(dropPartialWord(['The quick brown fox'], 'The quick brown fox ')).toEqual(['The quick brown fox']);
    expect(dropPartialWord(['Hello, world!'], 'Hello, world!')).toEqual(['Hello, world!']);
  });
  it('drops a segment that was only a partial word', () => {
    expect(dropPartialWord(['Done.', 'Nex'], 'Done. Nex')).toEqual(['Done.']);
    expect(dropPartialWord([], 'x')).toEqual([]);
  });
});
