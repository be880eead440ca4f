import { describe, expect, it } from 'vitest';
import { DynamicEndpoint } from './dynamic-endpoint';

// The wait after the VAD's end of speech, learned from the user's pauses (redemption 0.56 s,
// range [0, 0.8] s as the defaults; DynamicPauses: endpoint = longest pause × 1.3).
const frames = (e: DynamicEndpoint, ps: number[]) => ps.forEach((p) => e.frame(p, 0.5, 0.35));

describe('DynamicEndpoint', () => {
  it('starts at min: a user who does not pause waits no longer than with the VAD alone', () => {
    const e = new DynamicEndpoint(0.56, [0, 0.8]);
    expect(e.waitMs).toBe(0);
    e.speechStarted(1);
    frames(e, Array(30).fill(0.9));
    e.speechEnded(2);
    e.agentSpoke();
    expect(e.waitMs).toBe(0);
  });

  it('a user who went on 0.8 s after the VAD ended their utterance gets a longer wait next time', () => {
    const e = new DynamicEndpoint(0.56, [0, 0.8]);
    e.speechStarted(1);
    e.speechEnded(2.5);
    e.speechStarted(3.3); // 0.8 s later, before the agent answered
    e.speechEnded(5);
    e.agentSpoke();
    // DynamicPauses' average (started at 0.56 / 1.3) moves 30 % of the way toward 0.8; × 1.3.
    const learned = (0.56 / 1.3 + 0.3 * (0.8 - 0.56 / 1.3)) * 1.3;
    expect(e.waitMs).toBeCloseTo((learned - 0.56) * 1000, 0);
    expect(e.waitMs).toBeGreaterThan(0);
  });

  it('silences inside an utterance count as pauses only when speech resumes after them', () => {
    const e = new DynamicEndpoint(0.56, [0, 0.8]);
    e.speechStarted(1);
    frames(e, [0.9, 0.9, ...Array(2).fill(0.1), 0.9]); // 64 ms: too short to be a pause
    e.speechEnded(2);
    e.agentSpoke();
    expect(e.waitMs).toBe(0);
    e.speechStarted(4);
    frames(e, [0.9, ...Array(15).fill(0.1), 0.9, ...Array(15).fill(0.1)]); // a 0.48 s pause, then the end
    e.speechEnded(6);
    e.agentSpoke();
    // A 0.48 s pause nudges the wait up a little.
    const learned = (0.56 / 1.3 + 0.3 * (0.48 - 0.56 / 1.3)) * 1.3;
    expect(e.waitMs).toBeCloseTo((learned - 0.56) * 1000, 0);
    expect(e.waitMs).toBeGreaterThan(0);
  });

  it('the agent speaking while the user talks does not end the turn; the wait stays within max', () => {
    const e = new DynamicEndpoint(0.56, [0, 0.8]);
    for (let k = 0; k < 20; k++) {
      e.speechStarted(k * 10);
      e.agentSpoke(); // over the user: not an answer
      e.speechEnded(k * 10 + 2);
      e.speechStarted(k * 10 + 5); // a 3 s "pause": counted as the range's max
      e.speechEnded(k * 10 + 7);
      e.agentSpoke();
    }
    expect(e.waitMs).toBeCloseTo(800, 0);
  });
});
