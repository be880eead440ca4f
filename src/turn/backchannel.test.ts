import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKCHANNELS, substantiveWords } from './backchannel';

describe('substantiveWords', () => {
  it.each([
    ['Mm-hm.', 0],
    ['Yeah, okay.', 0],
    ['uh huh', 0],
    ['Uh-huh, right', 0],
    ['yeah but wait', 2],
    ['Stop. Wait a moment please.', 5],
    ['', 0],
    ['I see what you mean', 3],
    ['okay stop', 1],
  ])('%j has %i words that are not backchannels', (text, n) => {
    expect(substantiveWords(text, DEFAULT_BACKCHANNELS)).toBe(n);
  });

  it('uses the list it is given', () => {
    expect(substantiveWords('d\'accord', DEFAULT_BACKCHANNELS)).toBe(1);
    expect(substantiveWords('d\'accord', ["d'accord"])).toBe(0);
    expect(substantiveWords('yeah', [])).toBe(1);
  });
});
