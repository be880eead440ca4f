import { DEFAULT_BACKCHANNELS } from './backchannel';
import { describe, expect, it } from 'vitest';
import { BargeInDetector, DEFAULT_INTERRUPT_CONFIG, type BargeInAction, type BargeInInput, type InterruptConfig } from './barge-in';

const FRAME = 0.032;
const THRESHOLDS = { positive: 0.5, negative: 0.35 };

function detector(config: Partial<InterruptConfig> = {}): BargeInDetector {
  return new BargeInDetector({ ...DEFAULT_INTERRUPT_CONFIG, ...config }, THRESHOLDS);
}

/** Frame `i` (0-based) ends at `t0 + (i + 1) * 32 ms`. */
function frameAt(i: number, t0 = 10): number {
  return t0 + (i + 1) * FRAME;
}

/** Defaults: agent active, interruptible, the echo gate gives the frame to the user. */
function input(at: number, probability: number, extra: Partial<BargeInInput> = {}): BargeInInput {
  return { at, probability, agentActive: true, interruptible: true, user: true, ...extra };
}

/** Feeds one frame per probability, starting at frame index `from`; returns the actions. */
function feed(d: BargeInDetector, probs: number[], extra: Partial<BargeInInput> = {}, from = 0): BargeInAction[] {
  return probs.map((p, k) => d.update(input(frameAt(from + k), p, extra)));
}

describe('DEFAULT_INTERRUPT_CONFIG', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_INTERRUPT_CONFIG).toEqual({
      mode: 'HYBRID',
      minWords: 0,
      backchannels: DEFAULT_BACKCHANNELS,
      minInterruptionMs: 300,
      minConfidence: 0,
      duckDb: -12,
      echoRatio: 0.3,
      releaseFrames: 2,
    });
  });
});

describe('BargeInDetector: gating', () => {
  it('does nothing while the agent is not active', () => {
    const d = detector();
    expect(feed(d, Array(20).fill(0.9), { agentActive: false })).toEqual(Array(20).fill(null));
    expect(d.pending).toBe(false);
  });

  it('does nothing while the utterance is not interruptible', () => {
    const d = detector();
    expect(feed(d, Array(20).fill(0.9), { interruptible: false })).toEqual(Array(20).fill(null));
    expect(d.pending).toBe(false);
  });

  it("releases a pending candidate with 'release' when the agent stops being active", () => {
    const d = detector();
    expect(d.update(input(frameAt(0), 0.9))).toBe('duck');
    expect(d.pending).toBe(true);
    expect(d.update(input(frameAt(1), 0.9, { agentActive: false }))).toBe('release');
    expect(d.pending).toBe(false);
    // Only once: nothing pending any more.
    expect(d.update(input(frameAt(2), 0.9, { agentActive: false }))).toBeNull();
  });

  it("releases a pending candidate when the utterance becomes non-interruptible", () => {
    const d = detector();
    expect(d.update(input(frameAt(0), 0.9))).toBe('duck');
    expect(d.update(input(frameAt(1), 0.9, { interruptible: false }))).toBe('release');
    expect(d.pending).toBe(false);
  });

  it("mode 'STT_ONLY' never ducks", () => {
    const d = detector({ mode: 'STT_ONLY' });
    expect(feed(d, Array(30).fill(1))).toEqual(Array(30).fill(null));
    expect(d.pending).toBe(false);
  });

  it("mode 'VAD_ONLY' acts on frames like HYBRID", () => {
    const d = detector({ mode: 'VAD_ONLY' });
    expect(d.update(input(frameAt(0), 0.9))).toBe('duck');
  });

  it('reset() returns release only when a candidate was pending', () => {
    const d = detector();
    expect(d.reset()).toBeNull();
    d.update(input(frameAt(0), 0.9));
    expect(d.reset()).toBe('release');
    expect(d.reset()).toBeNull();
  });
});

describe('BargeInDetector: duck', () => {
  it('does not duck below the positive threshold', () => {
    const d = detector();
    expect(feed(d, [0.1, 0.36, 0.49, 0.4999])).toEqual([null, null, null, null]);
    expect(d.pending).toBe(false);
  });

  it("the first frame at or above the positive threshold returns 'duck'", () => {
    const d = detector();
    expect(feed(d, [0.2, 0.3, 0.5])).toEqual([null, null, 'duck']);
    expect(d.pending).toBe(true);
  });

  it('ducks only once per candidate', () => {
    const d = detector();
    expect(feed(d, [0.9, 0.9, 0.9])).toEqual(['duck', null, null]);
  });
});

describe('BargeInDetector: confirm', () => {
  it("confirms exactly at the first frame whose end is >= candidate start + minInterruptionMs", () => {
    // Candidate starts at frame 0's start = t0. 300 ms / 32 ms = 9.375 → frame index 9
    // ends at t0 + 0.320 (the first end ≥ t0 + 0.300); frame 8 ends at t0 + 0.288.
    const d = detector();
    const actions = feed(d, Array(12).fill(0.9));
    expect(actions[0]).toBe('duck');
    expect(actions.slice(1, 9)).toEqual(Array(8).fill(null));
    expect(actions[9]).toBe('confirm');
    expect(actions.indexOf('confirm')).toBe(9);
  });

  it('counts from the start of the first speech frame, not its end', () => {
    // minInterruptionMs = 320: frame 9 ends exactly 320 ms after frame 0's start (confirm
    // there); had the start been frame 0's end, it would be frame 10.
    const d = detector({ minInterruptionMs: 320 });
    const actions = feed(d, Array(12).fill(0.9));
    expect(actions.indexOf('confirm')).toBe(9);
  });

  it('uses the configured minInterruptionMs', () => {
    // 500 ms / 32 ms = 15.6 → frame 15 ends at t0 + 0.512.
    const d = detector({ minInterruptionMs: 500 });
    const actions = feed(d, Array(20).fill(0.9));
    expect(actions.indexOf('confirm')).toBe(15);
    expect(actions.filter((a) => a === 'confirm')).toHaveLength(1);
  });

  it('sustained speech between the thresholds keeps the candidate alive and confirms on time', () => {
    // After the duck, frames at 0.4 (>= 0.35 negative, < 0.5 positive) still count as speech.
    const d = detector();
    const actions = feed(d, [0.9, ...Array(11).fill(0.4)]);
    expect(actions[0]).toBe('duck');
    expect(actions.slice(1, 9)).toEqual(Array(8).fill(null));
    expect(actions[9]).toBe('confirm');
  });

  it('a frame exactly at the negative threshold counts as speech', () => {
    const d = detector();
    const actions = feed(d, [0.9, ...Array(11).fill(0.35)]);
    expect(actions.indexOf('confirm')).toBe(9);
    expect(actions).not.toContain('release');
  });

  it('frames between the thresholds just before the first speech frame lead its run in (a soft onset), up to 3', () => {
    // Frames 0–3 at 0.4 (the user's, by the gate), frame 4 the first over 0.5: the run counts
    // from frame 1 (the last 3 of the lead-in), so the confirm comes 3 frames sooner than from frame 4.
    const d = detector();
    const actions = feed(d, [0.4, 0.4, 0.4, 0.4, ...Array(12).fill(0.9)]);
    expect(actions.indexOf('duck')).toBe(4);
    expect(actions.indexOf('confirm')).toBe(1 + 9);
    const plain = detector();
    expect(feed(plain, [0.1, 0.1, 0.1, 0.1, ...Array(12).fill(0.9)]).indexOf('confirm')).toBe(4 + 9);
  });

  it('lead-in frames the echo gate gave to the agent do not count', () => {
    const d = detector();
    const gated = [0.4, 0.4, 0.4].map((p, k) => d.update(input(frameAt(k), p, { user: false })));
    expect(gated).toEqual([null, null, null]);
    expect(feed(d, Array(12).fill(0.9), {}, 3).indexOf('confirm')).toBe(9);
  });

  it('a frame between thresholds neither confirms early nor releases', () => {
    const d = detector();
    const actions = feed(d, [0.9, 0.45, 0.45, 0.45]);
    expect(actions).toEqual(['duck', null, null, null]);
    expect(d.pending).toBe(true);
  });

  it('after confirm the detector is idle again: the next speech frame ducks again', () => {
    const d = detector();
    const actions = feed(d, Array(10).fill(0.9));
    expect(actions[9]).toBe('confirm');
    expect(d.pending).toBe(false);
    expect(d.update(input(frameAt(10), 0.9))).toBe('duck');
    expect(d.pending).toBe(true);
    // And the new candidate needs its own full 300 ms (frames 10..19 → confirm at 19).
    const more = feed(d, Array(10).fill(0.9), {}, 11);
    expect(more.indexOf('confirm')).toBe(8); // index 11 + 8 = frame 19
  });

  it('after confirm, a non-speech frame does nothing (no release)', () => {
    const d = detector();
    feed(d, Array(10).fill(0.9));
    expect(feed(d, [0, 0, 0], {}, 10)).toEqual([null, null, null]);
  });
});

describe('BargeInDetector: release', () => {
  it("releaseFrames (2) consecutive frames below the negative threshold return 'release'", () => {
    const d = detector();
    expect(feed(d, [0.9, 0.1, 0.1])).toEqual(['duck', null, 'release']);
    expect(d.pending).toBe(false);
  });

  it('one silent frame does not release, and speech resets the silent count', () => {
    const d = detector();
    // duck, silent, speech, silent, speech: never two silent in a row.
    expect(feed(d, [0.9, 0.1, 0.9, 0.34, 0.9])).toEqual(['duck', null, null, null, null]);
    expect(d.pending).toBe(true);
  });

  it('silent frames do not postpone the confirm deadline (measured from the candidate start)', () => {
    // duck at frame 0; one silent frame at frame 8; speech at frame 9 → confirm at 9.
    const d = detector();
    const probs = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.9];
    const actions = feed(d, probs);
    expect(actions[8]).toBeNull();
    expect(actions[9]).toBe('confirm');
  });

  it('a silent frame at the deadline does not confirm', () => {
    const d = detector();
    const actions = feed(d, [...Array(9).fill(0.9), 0.1, 0.1]);
    expect(actions).not.toContain('confirm');
    expect(actions[10]).toBe('release');
  });

  it('uses the configured releaseFrames', () => {
    const d = detector({ releaseFrames: 4, minInterruptionMs: 1000 });
    expect(feed(d, [0.9, 0, 0, 0, 0])).toEqual(['duck', null, null, null, 'release']);
  });

  it('after a release the next speech frame ducks again', () => {
    const d = detector();
    feed(d, [0.9, 0.1, 0.1]);
    expect(d.update(input(frameAt(3), 0.6))).toBe('duck');
  });
});

describe("BargeInDetector: the echo gate's verdicts", () => {
  it('a speech frame the gate calls echo does not duck', () => {
    const d = detector();
    expect(d.update(input(frameAt(0), 0.95, { user: false }))).toBeNull();
    expect(d.pending).toBe(false);
  });

  it('echo frames, then the user: ducks on the first frame of the user', () => {
    const d = detector();
    expect(feed(d, [0.95, 0.95], { user: false })).toEqual([null, null]);
    expect(d.update(input(frameAt(2), 0.95))).toBe('duck');
  });

  it('a run mostly of echo is released once a whole window holds nothing of the user, never confirmed', () => {
    const d = detector();
    const actions: BargeInAction[] = [d.update(input(frameAt(0), 0.95))];
    for (let k = 1; k <= 12; k++) actions.push(d.update(input(frameAt(k), 0.95, { user: false })));
    expect(actions[0]).toBe('duck');
    expect(actions).not.toContain('confirm');
    // 300 ms after the user's frame ended (frame 0 ends at 32 ms; frame 10 at 352 ms).
    expect(actions.indexOf('release')).toBe(10);
    expect(d.pending).toBe(false);
  });

  it("the user's onset the gate gave to the echo (up to 2 frames, out of quiet) counts: confirmed on the rule's own frame", () => {
    const d = detector();
    const actions = [false, false, ...Array(10).fill(true)].map((user, k) => d.update(input(frameAt(k), 0.95, { user })));
    // Ducked on the user's first frame; the window counts from frame 0's start: frame 9 ends at 320 ms.
    expect(actions.indexOf('duck')).toBe(2);
    expect(actions.indexOf('confirm')).toBe(9);
  });

  it('three echo frames before the user: the window counts from the user\'s first frame', () => {
    const d = detector();
    const actions = [false, false, false, ...Array(12).fill(true)].map((user, k) => d.update(input(frameAt(k), 0.95, { user })));
    // Frame 3 starts at 96 ms; 300 ms later is the end of frame 12 (416 ms).
    expect(actions.indexOf('duck')).toBe(3);
    expect(actions.indexOf('confirm')).toBe(12);
  });

  it('echo frames of an earlier run (before a quiet gap of one frame) are not taken as the onset', () => {
    const d = detector();
    // Echo on frames 0–1, one quiet frame (not enough to release), the user from frame 3.
    const probs = [0.95, 0.95, 0.1, ...Array(12).fill(0.95)];
    const actions = probs.map((p, k) => d.update(input(frameAt(k), p, { user: k >= 3 })));
    expect(actions.indexOf('duck')).toBe(3);
    expect(actions.indexOf('confirm')).toBe(12);
  });

  it("the user's frames on half the run or more confirm it (the user over the echo)", () => {
    const d = detector();
    const actions: BargeInAction[] = [];
    for (let k = 0; k <= 9; k++) actions.push(d.update(input(frameAt(k), 0.95, { user: k % 2 === 0 })));
    expect(actions[0]).toBe('duck');
    expect(actions[9]).toBe('confirm');
  });

  it('an echo-started run does not delay the user: the window counts from their first frame', () => {
    const d = detector();
    // One stray frame given to the user, then echo, then the user speaks for real at frame 9.
    const verdicts = [true, ...Array(8).fill(false), ...Array(12).fill(true)];
    const actions = verdicts.map((user, k) => d.update(input(frameAt(k), 0.95, { user })));
    // Frame 9 starts at 288 ms; 300 ms later is the end of frame 18. (The stray frame may
    // make it sooner: half the frames since it are the user's by frame 15.)
    const at = actions.indexOf('confirm');
    expect(at).toBeGreaterThan(9);
    expect(at).toBeLessThanOrEqual(18);
  });
});

describe('BargeInDetector: minConfidence', () => {
  it('minConfidence above the VAD threshold raises the bar for ducking', () => {
    const d = detector({ minConfidence: 0.8 });
    expect(feed(d, [0.5, 0.7, 0.79])).toEqual([null, null, null]);
    expect(d.update(input(frameAt(3), 0.8))).toBe('duck');
  });

  it('minConfidence below the VAD threshold does not lower the bar', () => {
    const d = detector({ minConfidence: 0.2 });
    expect(d.update(input(frameAt(0), 0.3))).toBeNull();
    expect(d.update(input(frameAt(1), 0.5))).toBe('duck');
  });
});

describe('BargeInDetector: dueAt (the voice silenced on the rule, in audio time)', () => {
  it('one frame before the confirm: the instant the window is met, counted from the first frame\'s start', () => {
    const d = detector(); // 300 ms: the 10th frame confirms (320 ms ≥ 300)
    const due: (number | null)[] = [];
    const actions: BargeInAction[] = [];
    for (let i = 0; i < 10; i++) {
      actions.push(d.update(input(frameAt(i), 0.9)));
      due.push(d.dueAt(frameAt(i)));
    }
    expect(actions).toEqual(['duck', ...Array(8).fill(null), 'confirm']);
    // Frames 0–7: the window is not met even with one more frame; frame 8: it is, at start + 300 ms.
    expect(due.slice(0, 8)).toEqual(Array(8).fill(null));
    expect(due[8]).toBeCloseTo(frameAt(0) - FRAME + 0.3, 6);
    expect(due[9]).toBeNull(); // confirmed: nothing pending
  });

  it('null after a frame the echo gate gave to the agent, and when nothing is pending', () => {
    const d = detector();
    expect(d.dueAt(frameAt(0))).toBeNull();
    feed(d, Array(8).fill(0.9));
    d.update(input(frameAt(8), 0.9, { user: false }));
    expect(d.dueAt(frameAt(8))).toBeNull();
  });
});
