import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { DEFAULT_EOU_CONFIG } from '../session/pipeline';
import { DynamicPauses } from './dynamic-pauses';
import { eouDelaySec, type EouPolicyConfig } from './eou-policy';

/** The seed's own defaults: [0.5, 0.8] s, threshold 0.75. */
const SEED = { minMaxSpeechWaitTimeout: [0.5, 0.8] as [number, number], eouCertaintyThreshold: 0.75 };

describe('eouDelaySec: the seed rule', () => {
  const defaultMode: [number, number][] = [
    [1, 0.5],
    [0.9, 0.5],
    [0.75, 0.5], // at the threshold: certain enough
    [0.7499, 0.8],
    [0.5, 0.8],
    [0, 0.8],
    [NaN, 0.8],
    [1.5, 0.5], // clamped to 1
    [-1, 0.8], // clamped to 0
  ];
  it.each(defaultMode)('DEFAULT, p = %s → %s s', (p, expected) => {
    expect(eouDelaySec(p, { mode: 'DEFAULT', ...SEED })).toBe(expected);
  });

  const adaptive: [number, number][] = [
    [1, 0.5],
    [0, 0.8],
    [0.5, 0.65],
    [0.75, 0.575],
    [0.25, 0.725],
    [NaN, 0.8],
    [2, 0.5],
    [-3, 0.8],
  ];
  it.each(adaptive)('ADAPTIVE, p = %s → %s s', (p, expected) => {
    expect(eouDelaySec(p, { mode: 'ADAPTIVE', ...SEED })).toBeCloseTo(expected, 12);
  });

  it('ADAPTIVE ignores the threshold and falls as the probability rises', () => {
    const at = (p: number, threshold: number) => eouDelaySec(p, { mode: 'ADAPTIVE', minMaxSpeechWaitTimeout: [0.2, 1.2], eouCertaintyThreshold: threshold });
    expect(at(0.6, 0)).toBe(at(0.6, 1));
    let last = Infinity;
    for (let p = 0; p <= 1; p += 0.1) {
      const d = at(p, 0.5);
      expect(d).toBeLessThan(last);
      expect(d).toBeGreaterThanOrEqual(0.2);
      expect(d).toBeLessThanOrEqual(1.2);
      last = d;
    }
  });

  it("works with the project's defaults ([0, 0.8] s)", () => {
    expect(eouDelaySec(0.9, DEFAULT_EOU_CONFIG)).toBe(0);
    expect(eouDelaySec(0.1, DEFAULT_EOU_CONFIG)).toBe(0.8);
  });

  it('a zero-width range always gives that wait', () => {
    for (const mode of ['DEFAULT', 'ADAPTIVE'] as const) {
      for (const p of [0, 0.5, 1, NaN]) expect(eouDelaySec(p, { mode, minMaxSpeechWaitTimeout: [0.3, 0.3], eouCertaintyThreshold: 0.75 })).toBe(0.3);
    }
  });

  const invalid: [string, EouPolicyConfig][] = [
    ['min > max', { mode: 'DEFAULT', minMaxSpeechWaitTimeout: [0.9, 0.5], eouCertaintyThreshold: 0.75 }],
    ['negative min', { mode: 'DEFAULT', minMaxSpeechWaitTimeout: [-0.1, 0.5], eouCertaintyThreshold: 0.75 }],
    ['NaN max', { mode: 'DEFAULT', minMaxSpeechWaitTimeout: [0, NaN], eouCertaintyThreshold: 0.75 }],
    ['infinite max', { mode: 'ADAPTIVE', minMaxSpeechWaitTimeout: [0, Infinity], eouCertaintyThreshold: 0.75 }],
    ['threshold > 1', { mode: 'DEFAULT', minMaxSpeechWaitTimeout: [0, 0.5], eouCertaintyThreshold: 1.2 }],
    ['NaN threshold', { mode: 'DEFAULT', minMaxSpeechWaitTimeout: [0, 0.5], eouCertaintyThreshold: NaN }],
    ['unknown mode', { mode: 'FAST' as 'DEFAULT', minMaxSpeechWaitTimeout: [0, 0.5], eouCertaintyThreshold: 0.5 }],
  ];
  it.each(invalid)('rejects a config with %s', (_what, config) => {
    expect(() => eouDelaySec(0.5, config)).toThrow(ConfigError);
  });
});

describe('DynamicPauses', () => {
  /** One turn with these mid-turn pauses, then the agent answers. */
  const turn = (d: DynamicPauses, ...pauses: number[]) => {
    for (const p of pauses) d.observePause(p);
    d.observeTurnEnd();
  };

  it('starts at maxSec (or initialSec), clamped', () => {
    expect(new DynamicPauses({ minSec: 0.3, maxSec: 1.5 }).silenceSec).toBe(1.5);
    expect(new DynamicPauses({ minSec: 0.3, maxSec: 1.5, initialSec: 0.8 }).silenceSec).toBeCloseTo(0.8, 12);
    expect(new DynamicPauses({ minSec: 0.3, maxSec: 1.5, initialSec: 0.1 }).silenceSec).toBe(0.3);
  });

  it("moves toward a user's habitual longest pause × margin, monotonically", () => {
    const d = new DynamicPauses({ minSec: 0.2, maxSec: 2, margin: 1.25 });
    let last = d.silenceSec;
    for (let i = 0; i < 30; i++) {
      turn(d, 0.2, 0.6, 0.3); // the longest pause of each turn is 0.6 s
      expect(d.silenceSec).toBeLessThan(last);
      expect(d.silenceSec).toBeGreaterThan(0.6 * 1.25);
      last = d.silenceSec;
    }
    expect(d.silenceSec).toBeCloseTo(0.75, 3);
    expect(d.learnedTurns).toBe(30);
  });

  it('lengthens again for a user who starts pausing longer', () => {
    const d = new DynamicPauses({ minSec: 0.2, maxSec: 2, margin: 1.25, initialSec: 0.5 });
    for (let i = 0; i < 20; i++) turn(d, 1.2);
    expect(d.silenceSec).toBeCloseTo(1.5, 2);
  });

  it('stays within [minSec, maxSec] whatever it observes', () => {
    const d = new DynamicPauses({ minSec: 0.4, maxSec: 1.2, margin: 1.5, smoothing: 1 });
    turn(d, 0.01);
    expect(d.silenceSec).toBe(0.4);
    turn(d, 60);
    expect(d.silenceSec).toBe(1.2);
    // A pause far beyond maxSec counts as maxSec: one turn of 0.3 s pulls it back at once.
    turn(d, 0.3);
    expect(d.silenceSec).toBeCloseTo(0.45, 12);
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 200; i++) {
      turn(d, rand() * 5, rand() * 0.5);
      expect(d.silenceSec).toBeGreaterThanOrEqual(0.4);
      expect(d.silenceSec).toBeLessThanOrEqual(1.2);
    }
  });

  it('learns nothing from turns without pauses or from invalid pauses', () => {
    const d = new DynamicPauses({ minSec: 0.2, maxSec: 2, initialSec: 1 });
    const before = d.silenceSec;
    d.observeTurnEnd();
    turn(d, NaN, -1, Infinity);
    expect(d.silenceSec).toBe(before);
    expect(d.learnedTurns).toBe(0);
  });

  it('counts only the longest pause of a turn, once', () => {
    const a = new DynamicPauses({ minSec: 0, maxSec: 5, smoothing: 0.5, initialSec: 1, margin: 1 });
    const b = new DynamicPauses({ minSec: 0, maxSec: 5, smoothing: 0.5, initialSec: 1, margin: 1 });
    turn(a, 0.1, 0.2, 3, 0.1);
    turn(b, 3);
    expect(a.silenceSec).toBe(b.silenceSec);
    expect(a.silenceSec).toBeCloseTo(2, 12); // 1 + 0.5 × (3 − 1)
    a.observeTurnEnd(); // nothing new since the last turn end
    expect(a.silenceSec).toBeCloseTo(2, 12);
  });

  it('is deterministic', () => {
    const run = () => {
      const d = new DynamicPauses({ minSec: 0.3, maxSec: 1.6 });
      const out: number[] = [];
      for (const p of [0.4, 0.9, 0.2, 1.4, 0.5]) {
        turn(d, p, p / 2);
        out.push(d.silenceSec);
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  it.each([
    [{ minSec: -1, maxSec: 1 }],
    [{ minSec: 1, maxSec: 0.5 }],
    [{ minSec: 0, maxSec: NaN }],
    [{ minSec: 0, maxSec: 1, margin: 0 }],
    [{ minSec: 0, maxSec: 1, smoothing: 0 }],
    [{ minSec: 0, maxSec: 1, smoothing: 1.5 }],
    [{ minSec: 0, maxSec: 1, initialSec: -1 }],
  ])('rejects invalid options %j', (options) => {
    expect(() => new DynamicPauses(options)).toThrow(ConfigError);
  });
});
