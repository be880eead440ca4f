import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT_TURN_PROBABILITIES as P, TextTurnDetector } from './turn-detector';

const detector = new TextTurnDetector();
const input = (transcript: string, signal = new AbortController().signal) => ({ transcript, history: [], signal });

describe('TextTurnDetector (English defaults)', () => {
  const cases: [string, number][] = [
    // terminal punctuation
    ['I would like a table for two.', P.complete],
    ['Can you hear me?', P.complete],
    ['That is amazing!', P.complete],
    ['我想订一张桌子。', P.complete],
    ['"Is it done?"', P.complete], // closing quote looked past
    ['Who are you talking to?', P.complete], // ? beats the trailing preposition
    // trailing continuation words, with or without the period STT adds
    ['I want to go and', P.incomplete],
    ['I want to go and.', P.incomplete],
    ['It was good but', P.incomplete],
    ['I was going to', P.incomplete],
    ['Give me the', P.incomplete],
    ['a cup of', P.incomplete],
    ['because', P.incomplete],
    ['So', P.incomplete],
    ['I’m', P.incomplete], // curly apostrophe
    // fillers, whatever follows
    ['I think um', P.incomplete],
    ['Um.', P.incomplete],
    ['and then uh?', P.incomplete],
    // hesitation marks
    ['I was thinking,', P.incomplete],
    ['Well, the thing is -', P.incomplete],
    ['The thing is —', P.incomplete],
    ['I was going to say...', P.incomplete],
    ['I was going to say…', P.incomplete],
    ['My options are:', P.incomplete],
    // neither
    ['I would like a table for two', P.neutral],
    ['yes', P.neutral],
    ['I am doing well', P.neutral],
    // no words
    ['', P.empty],
    ['   ', P.empty],
    ['...', P.empty],
  ];

  it.each(cases)('%j → %s', async (transcript, expected) => {
    expect(detector.score(transcript)).toBe(expected);
    await expect(detector.predict(input(transcript))).resolves.toBe(expected);
  });

  it('orders the outcomes: complete > neutral > incomplete > empty', () => {
    expect(P.complete).toBeGreaterThan(P.neutral);
    expect(P.neutral).toBeGreaterThan(P.incomplete);
    expect(P.incomplete).toBeGreaterThan(P.empty);
    expect(P.empty).toBeGreaterThanOrEqual(0);
    expect(P.complete).toBeLessThanOrEqual(1);
  });

  it('has a label', () => {
    expect(detector.label).toBe('text-heuristic');
  });
});

describe('TextTurnDetector options', () => {
  it('takes word lists for another language', () => {
    const de = new TextTurnDetector({ continuationWords: ['und', 'aber', 'der', 'die', 'das'], fillerWords: ['äh', 'ähm'] });
    expect(de.score('Ich möchte einen Tisch und')).toBe(P.incomplete);
    expect(de.score('Ich möchte ähm')).toBe(P.incomplete);
    expect(de.score('Ich möchte einen Tisch.')).toBe(P.complete);
    // The English defaults are replaced, not added to.
    expect(de.score('I want to go and')).toBe(P.neutral);
  });

  it('matches multi-word fillers on the last words only', () => {
    const d = new TextTurnDetector({ fillerWords: ['you know'] });
    expect(d.score('It was great you know')).toBe(P.incomplete);
    expect(d.score('you know it was great')).toBe(P.neutral);
    expect(d.score('know')).toBe(P.neutral);
  });

  it('takes its own punctuation and probabilities', () => {
    const d = new TextTurnDetector({ terminalMarks: '.', hesitationMarks: ['~'], probabilities: { complete: 0.99, neutral: 0.4 } });
    expect(d.score('done.')).toBe(0.99);
    expect(d.score('done?')).toBe(0.4); // '?' is no longer terminal
    expect(d.score('well~')).toBe(P.incomplete);
    expect(d.score('thinking,')).toBe(0.4); // ',' is no longer a hesitation mark
  });
});

describe('TextTurnDetector abort', () => {
  it('rejects an already aborted call with an AbortError', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(detector.predict(input('Hello.', ac.signal))).rejects.toMatchObject({ name: 'AbortError' });
  });

  it("rejects with the signal's own error reason", async () => {
    const ac = new AbortController();
    const reason = new Error('session closed');
    ac.abort(reason);
    await expect(detector.predict(input('Hello.', ac.signal))).rejects.toBe(reason);
  });
});
