// The echo path and barge-in over a grid of levels, in simulated audio time: the agent's
// voice (a syllable envelope) is rendered, reported every 33 ms as the mixer does, and
// comes back into the mic delayed and attenuated; the user speaks over it. The VAD is
// taken as firing on any speech the mic holds, echo included (the worst case: Silero
// hears the agent's voice as speech too).
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../scripts/wav.mjs';
import { BargeInDetector, DEFAULT_INTERRUPT_CONFIG, type BargeInAction } from './barge-in';
import { EchoPath } from './echo-path';

const MS = 0.001;
const db = (d: number) => Math.pow(10, d / 20);

/** A speech-like RMS envelope at 1 ms resolution: syllables of 80–250 ms, short gaps, ±6 dB. */
function envelope(seconds: number, level: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const env = new Float32Array(Math.round(seconds / MS));
  let i = 0;
  while (i < env.length) {
    const syl = 80 + Math.floor(rnd() * 170);
    const amp = level * db(-6 + 12 * rnd());
    for (let k = 0; k < syl && i < env.length; k++, i++) env[i] = amp * Math.sin((Math.PI * (k + 0.5)) / syl);
    i += 20 + Math.floor(rnd() * 80); // a gap between syllables
  }
  return env;
}

/** RMS of the 1 ms envelope over [from, to) seconds. */
function rmsOver(env: Float32Array, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let i = Math.max(0, Math.round(from / MS)); i < Math.min(env.length, Math.round(to / MS)); i++, n++) sum += env[i]! * env[i]!;
  return n ? Math.sqrt(sum / n) : 0;
}

interface Cell {
  userDb: number | null;
  agentDb: number;
  /** Echo level relative to the agent's output, dB; null: none. */
  echoDb: number | null;
  delayMs: number;
  /** When the user starts, s after the agent does. */
  userAt?: number;
}

interface Outcome {
  actions: { t: number; action: BargeInAction }[];
  confirmedAt: number | null;
  userAt: number;
}

function simulate(c: Cell, seed = 1): Outcome {
  const total = 6;
  const userAt = c.userAt ?? 3;
  const agent = envelope(total, db(c.agentDb), seed);
  const user = c.userDb === null ? null : envelope(1.5, db(c.userDb), seed + 100);
  const echoGain = c.echoDb === null ? 0 : db(c.echoDb);
  const noise = db(-70);
  const path = new EchoPath({ priorGain: DEFAULT_INTERRUPT_CONFIG.echoRatio });
  const barge = new BargeInDetector(DEFAULT_INTERRUPT_CONFIG, { positive: 0.5, negative: 0.35 });
  const micAt = (i: number) => {
    const t = i * MS;
    const e = echoGain * (agent[Math.round((t - c.delayMs * MS) / MS)] ?? 0);
    const u = user && t >= userAt ? (user[Math.round((t - userAt) / MS)] ?? 0) : 0;
    return Math.sqrt(e * e + u * u + noise * noise);
  };
  const mic = Float32Array.from({ length: agent.length }, (_, i) => micAt(i));
  const actions: Outcome['actions'] = [];
  let confirmedAt: number | null = null;
  let nextReport = 0.033;
  for (let end = 0.032; end <= total; end += 0.032) {
    // Reports the mixer posted up to this frame's end (they arrive before the frame's verdict).
    while (nextReport <= end) {
      path.pushOutput(nextReport, rmsOver(agent, nextReport - 0.033, nextReport));
      nextReport += 0.033;
    }
    const micRms = rmsOver(mic, end - 0.032, end);
    // The VAD hears any voice, the agent's echo too, and holds on over short gaps (about
    // 100 ms, as Silero's state does).
    const speech = rmsOver(mic, end - 0.128, end) > db(-45);
    const probability = speech ? 0.9 : 0.05;
    const verdict = path.frame(end, micRms, probability < 0.35);
    const action = barge.update({ at: end, probability, agentActive: true, interruptible: true, user: verdict.user });
    if (action) actions.push({ t: end, action });
    if (action === 'confirm') {
      confirmedAt = end;
      break;
    }
  }
  return { actions, confirmedAt, userAt };
}

const USER = [-35, -25, -15];
const AGENT = [-25, -15, -8];
const ECHO = [null, -30, -15];
const DELAY = [20, 80, 150];
/**
 * Cells the gate must hear: the user within 5 dB of the agent's output level (the prior,
 * 0.3 × the loudest output of the last 400 ms, is a floor for now) and 6 dB or more over
 * the echo (levels alone cannot tell them apart below that).
 */
const separable = (u: number, a: number, e: number | null) => u - a >= -5 && (e === null || u - (a + e) >= 6);

describe('echo path: barge-in over the level grid', { timeout: 60_000 }, () => {
  it('confirms every separable interruption within minInterruptionMs + 64 ms, and echo alone never', () => {
    const limit = (DEFAULT_INTERRUPT_CONFIG.minInterruptionMs + 64) / 1000;
    const misses: string[] = [];
    const phantoms: string[] = [];
    let checked = 0;
    for (const a of AGENT) for (const e of ECHO) for (const d of DELAY) {
      for (const seed of [1, 2, 3, 4, 5]) {
        const quiet = simulate({ userDb: null, agentDb: a, echoDb: e, delayMs: d }, seed);
        if (quiet.confirmedAt !== null) phantoms.push(`agent ${a} echo ${e} delay ${d} seed ${seed}: confirmed at ${quiet.confirmedAt.toFixed(3)}`);
      }
      for (const u of USER) {
        if (!separable(u, a, e)) continue;
        checked++;
        const r = simulate({ userDb: u, agentDb: a, echoDb: e, delayMs: d });
        const lag = r.confirmedAt === null ? Infinity : r.confirmedAt - r.userAt;
        if (!(lag <= limit && lag >= 0)) misses.push(`user ${u} agent ${a} echo ${e} delay ${d}: ${lag === Infinity ? 'never' : `${(lag * 1000).toFixed(0)} ms`}`);
      }
    }
    expect(checked).toBe(27);
    expect(phantoms).toEqual([]);
    expect(misses).toEqual([]);
  });

  it('learns the delay and gain of the echo', () => {
    const path = new EchoPath({ priorGain: 0.3 });
    const agent = envelope(4, db(-12), 7);
    for (let end = 0.032, next = 0.033; end <= 4; end += 0.032) {
      while (next <= end) {
        path.pushOutput(next, rmsOver(agent, next - 0.033, next));
        next += 0.033;
      }
      const t0 = end - 0.032 - 0.096;
      path.frame(end, db(-20) * rmsOver(agent, t0, t0 + 0.032), true);
    }
    const est = path.estimate!;
    expect(est.frames).toBeGreaterThan(100);
    expect(est.delaySec).toBeGreaterThanOrEqual(0.064);
    expect(est.delaySec).toBeLessThanOrEqual(0.128);
    expect(est.gain).toBeGreaterThan(db(-26));
    expect(est.gain).toBeLessThan(db(-17));
    // Another output device (AudioEngine's output_device_changed): the path is learned again.
    path.reset();
    expect(path.estimate).toBeNull();
    expect(path.outputAudible(4)).toBe(false);
  });

  it('a user who starts before the path is learned is judged against the prior', () => {
    // The agent has spoken 150 ms when the user, as loud as it, cuts in; no echo at all.
    const r = simulate({ userDb: -15, agentDb: -15, echoDb: null, delayMs: 0, userAt: 0.15 });
    expect(r.confirmedAt).not.toBeNull();
    expect(r.confirmedAt! - r.userAt).toBeLessThanOrEqual((DEFAULT_INTERRUPT_CONFIG.minInterruptionMs + 64) / 1000);
  });

  it('judges a frame the VAD ran late (1.5 s behind the output reports) against its own time', () => {
    const path = new EchoPath({ priorGain: 0.3 });
    const agent = envelope(4, db(-12), 9);
    const echo = (end: number) => db(-14) * rmsOver(agent, end - 0.032 - 0.08, end - 0.08);
    for (let next = 0.033; next <= 4; next += 0.033) path.pushOutput(next, rmsOver(agent, next - 0.033, next));
    // Every frame up to 2.5 s, judged after all the reports up to 4 s have arrived.
    const verdicts: boolean[] = [];
    for (let end = 0.032; end <= 2.5; end += 0.032) verdicts.push(path.frame(end, echo(end), false).user);
    expect(path.estimate?.delaySec).toBeCloseTo(0.08, 1);
    // Without the history the late frames would find no output and all go to the user;
    // with it, at most a stray frame (which ducks but cannot confirm) does.
    expect(verdicts.slice(20).filter(Boolean).length).toBeLessThanOrEqual(1);
  });

  it('priorGain 0 turns the gate off', () => {
    const path = new EchoPath({ priorGain: 0 });
    path.pushOutput(0.033, 0.5);
    expect(path.judge(0.05, 0.001).user).toBe(true);
  });
});
