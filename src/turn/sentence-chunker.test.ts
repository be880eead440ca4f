import { describe, expect, it } from 'vitest';
import { SentenceChunker, stripMarkdown, type SentenceChunkerOptions } from './sentence-chunker';

/** All segments of `text` given as the `deltas`. */
function chunk(deltas: string | string[], opts?: SentenceChunkerOptions): string[] {
  const c = new SentenceChunker(opts);
  const out: string[] = [];
  for (const d of typeof deltas === 'string' ? [deltas] : deltas) out.push(...c.push(d));
  return [...out, ...c.flush()];
}

const CORPUS = [
  'Hello there. How are you? I am fine!',
  'Mr. Smith met Dr. Jones at 3.14 p.m. yesterday. It was fun.',
  'Visit example.com or write to a.b@c.io. Version v1.2.3 is out... Really?! "Yes." (Sure.) Next.',
  'J. R. R. Tolkien served in the U.S. Army, e.g. in 1917, i.e. long ago, etc. Then he wrote.',
  'Here are options:\n1. Apples\n2. Pears\n\n- Bananas\nDone.',
  'This is a fairly long first clause, and then it continues; with more: and more — plus another–thing 1,000 and 10:30 - dash.',
  'I think… maybe 1…5 is fine. 你好。我很好！你呢？好的，谢谢你的帮助，我们明天见面吧，好吗？',
  'It was great—and then it got much better—really. **Bold.** Next *thing.* Done',
  `${'word '.repeat(70)}end. ${'x'.repeat(300)} tail`,
];

describe('SentenceChunker: strong terminators', () => {
  it('cuts sentences on . ! ? and keeps the terminators', () => {
    expect(chunk('Hello there. How are you? I am fine!')).toEqual(['Hello there.', 'How are you?', 'I am fine!']);
  });

  it('waits for look-ahead before cutting, then cuts once whitespace follows', () => {
    const c = new SentenceChunker();
    expect(c.push('It is 21 degrees.')).toEqual([]);
    expect(c.push(' ')).toEqual(['It is 21 degrees.']);
    expect(c.push('In Paris')).toEqual([]);
    expect(c.flush()).toEqual(['In Paris']);
  });

  it('keeps runs of terminators and closing quotes, brackets and emphasis attached', () => {
    expect(chunk('Really?! Wait... "Yes." (Sure.) **Bold.** 「はい。」 Next.')).toEqual([
      'Really?!',
      'Wait...',
      '"Yes."',
      '(Sure.)',
      '**Bold.**',
      '「はい。」',
      'Next.',
    ]);
  });

  it('cuts after CJK terminators without a space', () => {
    expect(chunk('你好。我很好！你呢？')).toEqual(['你好。', '我很好！', '你呢？']);
  });

  it('cuts on the ellipsis character', () => {
    expect(chunk('I think… maybe so.')).toEqual(['I think…', 'maybe so.']);
  });

  it('cuts on newlines and treats list numbers at a line start as markers', () => {
    expect(chunk('Options:\n1. Apples\n2. Pears\n\n- Bananas')).toEqual(['Options:', '1. Apples', '2. Pears', '- Bananas']);
    expect(chunk('I am 30. Then I left.')).toEqual(['I am 30.', 'Then I left.']);
  });

  it.each([
    ['decimals', 'Pi is 3.14 and e is 2.72 roughly.'],
    ['titles', 'Mr. and Mrs. Smith met Dr. Jones and Prof. Lee at St. Mary vs. the rest.'],
    ['latin abbreviations', 'Fruit e.g. apples, i.e. red ones etc. are fine.'],
    ['initials and acronyms', 'J. R. R. Tolkien lived in the U.S. for a while.'],
    ['URLs, emails and versions', 'See example.com/a.b or mail a.b@c.io about v1.2.3 today.'],
    ['ellipsis inside numbers', 'Pick 1...5 or 1…5 please.'],
  ])('does not cut on %s', (_, text) => {
    expect(chunk(text)).toEqual([text]);
  });
});

describe('SentenceChunker: weak terminators and limits', () => {
  it('cuts on , ; : only once the segment reaches minClauseChars (20)', () => {
    expect(chunk('Well, yes, sure, I can help you with that, gladly.')).toEqual(['Well, yes, sure, I can help you with that,', 'gladly.']);
    expect(chunk('This first clause is long enough; this one: too short.')).toEqual([
      'This first clause is long enough;',
      'this one: too short.',
    ]);
  });

  it('honours minClauseChars, and Infinity disables weak cuts', () => {
    expect(chunk('Well, yes, sure.', { minClauseChars: 6 })).toEqual(['Well, yes,', 'sure.']);
    const long = 'A rather long clause here, and another rather long one; and the end.';
    expect(chunk(long, { minClauseChars: Infinity })).toEqual([long]);
  });

  it('cuts on em dashes (also unspaced), en dashes and spaced hyphens, but not inside words or ranges', () => {
    expect(chunk('It was really great—and then it got better.')).toEqual(['It was really great—', 'and then it got better.']);
    expect(chunk('It was really great – and then it got better.')).toEqual(['It was really great –', 'and then it got better.']);
    expect(chunk('It was really great - and a well-known 2–3 fact.')).toEqual(['It was really great -', 'and a well-known 2–3 fact.']);
  });

  it('does not cut on grouped numbers or times', () => {
    const text = 'The total was 1,000,000 dollars at 10:30 in the morning.';
    expect(chunk(text)).toEqual([text]);
  });

  it('cuts at the last space before maxChars, and inside an over-long word', () => {
    const words = 'word '.repeat(100).trim();
    const segs = chunk(words, { maxChars: 42 });
    for (const s of segs) expect(s.length).toBeLessThanOrEqual(42);
    expect(segs[0]).toBe('word word word word word word word word');
    expect(segs.join(' ')).toBe(words);
    expect(chunk('x'.repeat(25), { maxChars: 10 })).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('does not split a surrogate pair at a hard cut', () => {
    const segs = chunk(`abc${'😀'.repeat(5)}`, { maxChars: 4 });
    expect(segs.join('')).toBe(`abc${'😀'.repeat(5)}`);
    for (const s of segs) expect(s).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});

describe('SentenceChunker: streaming', () => {
  it('gives trimmed, non-empty segments and nothing for blank input', () => {
    expect(chunk(['  ', '\n\n', ' '])).toEqual([]);
    expect(chunk('  Hi.   \n\n  Bye.  ')).toEqual(['Hi.', 'Bye.']);
  });

  it('resets after flush', () => {
    const c = new SentenceChunker();
    c.push('First turn');
    expect(c.flush()).toEqual(['First turn']);
    expect(c.flush()).toEqual([]);
    expect([...c.push('Second. turn'), ...c.flush()]).toEqual(['Second.', 'turn']);
  });

  it('merges deltas like "It is " + "21 degrees in Paris." into one sentence', () => {
    expect(chunk(['It is ', '21 degrees in Paris.'])).toEqual(['It is 21 degrees in Paris.']);
  });

  it('does not cut an abbreviation that arrives in pieces', () => {
    expect(chunk(['Ask Dr', '.', ' ', 'Smith. He', ' knows.'])).toEqual(['Ask Dr. Smith.', 'He knows.']);
  });

  it.each(CORPUS.map((t, i) => [i, t] as const))('text %i: every split point gives the same segments as one push', (_, text) => {
    const whole = chunk(text);
    for (let i = 1; i < text.length; i++) expect(chunk([text.slice(0, i), text.slice(i)]), `split at ${i}`).toEqual(whole);
    expect(chunk([...text])).toEqual(whole);
  });

  it.each(CORPUS.map((t, i) => [i, t] as const))('text %i: random deltas give the same segments and lose no text', (_, text) => {
    const whole = chunk(text, { maxChars: 60 });
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const deltas: string[] = [];
      for (let i = 0; i < text.length; ) {
        const n = 1 + Math.floor(rand() * 8);
        deltas.push(text.slice(i, i + n));
        i += n;
      }
      expect(chunk(deltas, { maxChars: 60 })).toEqual(whole);
    }
    for (const s of whole) expect(s.length).toBeLessThanOrEqual(60);
    expect(whole.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
  });
});

describe('stripMarkdown', () => {
  it.each([
    ['**bold** and __strong__', 'bold and strong'],
    ['*italic* and _em_ and ~~gone~~', 'italic and em and gone'],
    ['# Heading', 'Heading'],
    ['### Sub heading', 'Sub heading'],
    ['Use `npm install` now', 'Use npm install now'],
    ['`snake_case` and `*ptr*`', 'snake_case and *ptr*'],
    ['See [the docs](https://x.io/a_b) and ![a cat](cat.png)', 'See the docs and a cat'],
    ['Go to <https://example.com>', 'Go to https://example.com'],
    ['- bullet item', 'bullet item'],
    ['* star item', 'star item'],
    ['+ plus item', 'plus item'],
    ['1. First', '1. First'],
    ['> quoted', 'quoted'],
    ['---', ''],
    ['```js\nconst x = 1;\n```\nAfter', 'After'],
    ['**unclosed bold', 'unclosed bold'],
    ['closing bold**', 'closing bold'],
    ['*dangling', 'dangling'],
    ['snake_case_name, 2 * 3 and a*b stay', 'snake_case_name, 2 * 3 and a*b stay'],
    ['plain   text\n with  spaces ', 'plain text with spaces'],
  ])('%j → %j', (input, expected) => {
    expect(stripMarkdown(input)).toBe(expected);
  });

  it('cleans segments produced by the chunker', () => {
    const segs = chunk('## Plan\n- **Step one.** Buy milk.\n- Call [Ann](tel:1).').map(stripMarkdown);
    expect(segs).toEqual(['Plan', 'Step one.', 'Buy milk.', 'Call Ann.']);
  });
});
