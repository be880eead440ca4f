import { describe, expect, it } from 'vitest';
import type { BusName, MixerCommand, MixerEvent, MixerOptions } from '../worklet-protocol';
import { DEFAULT_MIXER_OPTIONS, MixerCore } from './mixer-core';
import { dbToGain } from './level';
import { concatFloat32 } from './pcm';

const RATE = 48000;
const BLOCK = 128;
/** Samples in `ms` at 48 kHz. */
const ms = (n: number) => Math.round((n / 1000) * RATE);

// With the defaults at 48 kHz:
const PREBUFFER = ms(DEFAULT_MIXER_OPTIONS.prebufferMs); // 1920
const FADE = ms(DEFAULT_MIXER_OPTIONS.fadeMs); // 192
const ATTACK = ms(DEFAULT_MIXER_OPTIONS.duckAttackMs); // 1440
const RELEASE = ms(DEFAULT_MIXER_OPTIONS.duckReleaseMs); // 12000

/**
 * Distinct, exactly representable samples: (offset + i + 1) / 2^14. Never 0, so a gap
 * of silence in the output is unambiguous, and every sample says where it came from.
 */
function seq(n: number, offset = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (offset + i + 1) / 16384);
}
const dc = (n: number, v: number) => new Float32Array(n).fill(v);

type Ev<T extends MixerEvent['type']> = Extract<MixerEvent, { type: T }>;

/** Drives a MixerCore like the AudioWorklet does: 128-sample blocks, a running frame. */
class Rig {
  readonly core: MixerCore;
  frame: number;
  readonly startFrame: number;
  readonly events: MixerEvent[] = [];
  readonly #blocks: Float32Array[] = [];

  constructor(options: Partial<MixerOptions> = {}, startFrame = 0) {
    this.core = new MixerCore(RATE, options);
    this.frame = startFrame;
    this.startFrame = startFrame;
  }

  send(cmd: MixerCommand): void {
    this.core.handle(cmd);
    this.events.push(...this.core.drainEvents());
  }

  push(id: number, bus: BusName, samples: Float32Array, end = false): void {
    this.send({ type: 'push', id, bus, samples, end });
  }

  render(blocks = 1): void {
    for (let b = 0; b < blocks; b++) {
      const out = new Float32Array(BLOCK).fill(NaN); // render must overwrite
      this.core.render(out, this.frame);
      this.frame += BLOCK;
      this.#blocks.push(out);
      this.events.push(...this.core.drainEvents());
    }
  }

  /** Renders whole blocks until `frame` (absolute) has been rendered. */
  renderTo(frame: number): void {
    while (this.frame < frame) this.render();
  }

  /** Output between absolute frames [from, to). */
  out(from = this.startFrame, to = this.frame): Float32Array {
    const all = new Float32Array(this.#blocks.length * BLOCK);
    this.#blocks.forEach((b, i) => all.set(b, i * BLOCK));
    return all.slice(from - this.startFrame, to - this.startFrame);
  }

  of<T extends MixerEvent['type']>(type: T, id?: number): Ev<T>[] {
    return this.events.filter((e): e is Ev<T> => e.type === type && (id === undefined || ('id' in e && e.id === id)));
  }

  ended(id: number): Ev<'ended'> {
    const e = this.of('ended', id);
    expect(e, `ended events of ${id}`).toHaveLength(1);
    return e[0]!;
  }

  started(id: number): Ev<'started'> {
    const e = this.of('started', id);
    expect(e, `started events of ${id}`).toHaveLength(1);
    return e[0]!;
  }
}

/** Asserts `actual` equals `expected` sample for sample (reports the first mismatch). */
function expectSamples(actual: Float32Array, expected: Float32Array, label = 'samples'): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new Error(`${label}[${i}] = ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

function expectSilent(actual: Float32Array, label = 'output'): void {
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== 0) throw new Error(`${label}[${i}] = ${actual[i]}, expected silence`);
  }
}

const concat = (...parts: Float32Array[]): Float32Array => concatFloat32(parts);

describe('MixerCore streams', () => {
  it('plays a streamed source on voice sample-exactly, in order across chunks, with started/ended frames', () => {
    const start = 4096; // a context that has run a while: events carry absolute frames
    const rig = new Rig({}, start);
    const all = seq(3000);
    rig.push(1, 'voice', all.slice(0, 1000));
    rig.push(1, 'voice', all.slice(1000, 1700));
    rig.push(1, 'voice', all.slice(1700), true);
    rig.render(30); // 3840 samples

    expectSamples(rig.out(start, start + 3000), all, 'voice');
    expectSilent(rig.out(start + 3000), 'after the end');
    expect(rig.started(1)).toEqual({ type: 'started', id: 1, bus: 'voice', frame: start });
    expect(rig.ended(1)).toEqual({ type: 'ended', id: 1, bus: 'voice', rendered: 3000, frame: start + 3000, reason: 'done' });
    expect(rig.of('underrun')).toHaveLength(0);
  });

  it('keeps order when chunks arrive while it plays', () => {
    const rig = new Rig();
    const all = seq(6000);
    rig.push(7, 'voice', all.slice(0, PREBUFFER));
    let fed = PREBUFFER;
    // Every block, feed a bit more than a block in odd sizes: the jitter buffer never runs dry.
    while (fed < all.length) {
      rig.render();
      const n = Math.min(all.length - fed, 120 + (fed % 61)); // 150 a block on average
      rig.push(7, 'voice', all.slice(fed, fed + n), fed + n === all.length);
      fed += n;
    }
    rig.renderTo(8000);
    expectSamples(rig.out(0, 6000), all);
    expectSilent(rig.out(6000));
    expect(rig.ended(7)).toMatchObject({ rendered: 6000, frame: 6000, reason: 'done' });
    expect(rig.core.underruns).toBe(0);
  });

  it('plays the sources of one bus back to back, the next starting mid-block where the first ends', () => {
    const rig = new Rig();
    const a = seq(1000);
    const b = seq(2500, 5000);
    rig.push(1, 'voice', a, true);
    rig.push(2, 'voice', b.slice(0, 2000)); // more than the prebuffer, not ended yet
    rig.push(3, 'voice', seq(10, 9000), true);
    rig.render(8); // 1024: the first ends at 1000, inside block 7
    expect(rig.started(2).frame).toBe(1000);
    expect(rig.ended(1).frame).toBe(1000);
    expect(rig.of('started', 3)).toHaveLength(0); // waits its turn
    rig.push(2, 'voice', b.slice(2000), true);
    rig.renderTo(4096);

    expectSamples(rig.out(0, 3510), concat(a, b, seq(10, 9000)));
    expectSilent(rig.out(3510));
    expect(rig.ended(2)).toMatchObject({ rendered: 2500, frame: 3500, reason: 'done' });
    expect(rig.started(3).frame).toBe(3500);
    expect(rig.ended(3)).toMatchObject({ rendered: 10, frame: 3510, reason: 'done' });
    // Event order: 1 ends before 2 starts (same frame).
    const order = rig.events.filter((e) => e.type !== 'status').map((e) => `${e.type}:${'id' in e ? e.id : ''}`);
    expect(order).toEqual(['started:1', 'ended:1', 'started:2', 'ended:2', 'started:3', 'ended:3']);
  });
});

describe('MixerCore prebuffer', () => {
  it(`does not start a stream before prebufferMs (${PREBUFFER} samples) is queued`, () => {
    const rig = new Rig();
    rig.push(1, 'voice', seq(1000));
    rig.render(10);
    rig.push(1, 'voice', seq(PREBUFFER - 1 - 1000, 1000)); // one short
    rig.render(10);
    expect(rig.of('started')).toHaveLength(0);
    expectSilent(rig.out());

    rig.push(1, 'voice', seq(1, PREBUFFER - 1));
    rig.render(5);
    expect(rig.started(1).frame).toBe(20 * BLOCK);
    expectSamples(rig.out(20 * BLOCK, 25 * BLOCK), seq(5 * BLOCK));
  });

  it('honours a configured prebuffer', () => {
    const rig = new Rig({ prebufferMs: 100 }); // 4800 samples
    rig.push(1, 'voice', seq(4799));
    rig.render(4);
    expect(rig.of('started')).toHaveLength(0);
    rig.push(1, 'voice', seq(1, 4799));
    rig.render();
    expect(rig.started(1).frame).toBe(4 * BLOCK);
  });

  it('plays a short stream once it is ended, even below the prebuffer', () => {
    const rig = new Rig();
    const short = seq(300);
    rig.push(1, 'voice', short);
    rig.render(3);
    expect(rig.of('started')).toHaveLength(0);
    rig.send({ type: 'end', id: 1 });
    rig.render(4);
    expect(rig.started(1).frame).toBe(3 * BLOCK);
    expectSamples(rig.out(3 * BLOCK, 3 * BLOCK + 300), short);
    expect(rig.ended(1)).toMatchObject({ rendered: 300, frame: 3 * BLOCK + 300, reason: 'done' });
    expect(rig.core.underruns).toBe(0);
  });

  it('ends an empty ended stream without ever starting it', () => {
    const rig = new Rig();
    rig.push(1, 'voice', new Float32Array(0)); // registered, like Mixer.createStream
    rig.render(2);
    rig.push(1, 'voice', new Float32Array(0), true);
    rig.render();
    expect(rig.of('started')).toHaveLength(0);
    expect(rig.ended(1)).toMatchObject({ rendered: 0, frame: 2 * BLOCK, reason: 'done' });
  });
});

describe('MixerCore underruns', () => {
  it('counts one underrun per starvation episode, plays silence, re-prebuffers, and loses nothing', () => {
    const rig = new Rig();
    const all = seq(7000);
    let fed = 0;
    const feed = (n: number, end = false) => {
      rig.push(1, 'voice', all.slice(fed, fed + n), end);
      fed += n;
    };
    feed(2000);
    rig.render(20); // runs dry at 2000, inside block 15 (1920..2048)
    expect(rig.core.underruns).toBe(1);
    expect(rig.of('underrun')).toEqual([{ type: 'underrun', id: 1, bus: 'voice', frame: 2000, rendered: 2000 }]);
    expectSamples(rig.out(0, 2000), all.slice(0, 2000));
    expectSilent(rig.out(2000, 20 * BLOCK), 'starved');

    feed(1000); // below the prebuffer: stays silent, no second underrun
    rig.render(5);
    expectSilent(rig.out(20 * BLOCK), 'still prebuffering');
    expect(rig.core.underruns).toBe(1);

    feed(PREBUFFER - 1000); // 1920 queued: resumes at the next block
    const resumeAt = rig.frame;
    rig.render(20); // 2560 > 1920: dry again at resumeAt + 1920 (a block boundary)...
    expectSamples(rig.out(resumeAt, resumeAt + PREBUFFER), all.slice(2000, 2000 + PREBUFFER));
    // ...which is noticed when the next block needs a sample: a second episode.
    expect(rig.core.underruns).toBe(2);
    expect(rig.of('underrun').map((e) => e.frame)).toEqual([2000, resumeAt + PREBUFFER]);
    expect(rig.of('started', 1)).toHaveLength(1); // resuming is not a new start

    feed(all.length - fed, true); // the rest, ended: plays without waiting for the prebuffer
    const lastAt = rig.frame;
    rig.render(40);
    const rest = all.length - 2000 - PREBUFFER;
    expectSamples(rig.out(lastAt, lastAt + rest), all.slice(2000 + PREBUFFER));
    expect(rig.ended(1)).toMatchObject({ reason: 'done', rendered: all.length, frame: lastAt + rest });
    expect(rig.core.underruns).toBe(2);

    // Nothing lost, nothing repeated: the non-silent output is the stream.
    const heard = rig.out().filter((v) => v !== 0);
    expectSamples(heard, all, 'heard');
  });

  it('does not count an underrun when the stream runs dry exactly at a block end and is refilled in time', () => {
    const rig = new Rig();
    const all = seq(16 * BLOCK + 3 * BLOCK + 50);
    rig.push(1, 'voice', all.slice(0, 16 * BLOCK));
    rig.render(16); // consumes exactly all 2048 queued samples
    expect(rig.core.underruns).toBe(0);
    rig.push(1, 'voice', all.slice(16 * BLOCK, 17 * BLOCK)); // just in time, less than the prebuffer
    rig.render(); // again exactly dry at the block end
    rig.push(1, 'voice', all.slice(17 * BLOCK), true);
    rig.render(4);
    expect(rig.core.underruns).toBe(0);
    expect(rig.of('underrun')).toHaveLength(0);
    expectSamples(rig.out(0, all.length), all);
    expect(rig.ended(1)).toMatchObject({ reason: 'done', rendered: all.length, frame: all.length });
  });

  it('counts the underrun at the start of the next block when a dry stream is not refilled in time', () => {
    const rig = new Rig();
    rig.push(1, 'voice', seq(16 * BLOCK));
    rig.render(16);
    expect(rig.core.underruns).toBe(0);
    rig.render(3);
    expect(rig.of('underrun')).toEqual([{ type: 'underrun', id: 1, bus: 'voice', frame: 16 * BLOCK, rendered: 16 * BLOCK }]);
    expect(rig.core.underruns).toBe(1);
  });

  it('ends a starved stream when its end arrives with nothing left', () => {
    const rig = new Rig();
    rig.push(1, 'voice', seq(2000));
    rig.render(20);
    rig.send({ type: 'end', id: 1 });
    rig.render();
    expect(rig.ended(1)).toMatchObject({ reason: 'done', rendered: 2000, frame: 20 * BLOCK });
    expect(rig.core.underruns).toBe(1);
  });
});

describe('MixerCore ducking', () => {
  /** Looped DC background of 0.1 and a zero-valued voice: the output is the background alone. */
  function duckRun(options: Partial<MixerOptions>) {
    const rig = new Rig(options);
    rig.send({ type: 'play', id: 1, bus: 'background', samples: dc(100, 0.1), loop: true });
    rig.render(10);
    const voiceStart = rig.frame;
    const voiceLen = 24000; // 0.5 s
    rig.push(2, 'voice', new Float32Array(voiceLen), true);
    rig.render(Math.ceil((voiceLen + 30000) / BLOCK));
    return { rig, voiceStart, voiceEnd: voiceStart + voiceLen };
  }

  /** First index >= from where pred holds. */
  const findFrom = (a: Float32Array, from: number, pred: (v: number) => boolean) => {
    for (let i = from; i < a.length; i++) if (pred(a[i]!)) return i;
    return -1;
  };

  it.each([
    { duckDb: DEFAULT_MIXER_OPTIONS.duckDb, attackMs: DEFAULT_MIXER_OPTIONS.duckAttackMs, releaseMs: DEFAULT_MIXER_OPTIONS.duckReleaseMs },
    { duckDb: -20, attackMs: 10, releaseMs: 100 },
  ])('ducks the background to 0.1 × 10^($duckDb/20) over $attackMs ms and releases over $releaseMs ms', ({ duckDb, attackMs, releaseMs }) => {
    const { rig, voiceStart, voiceEnd } = duckRun({ duckDb, duckAttackMs: attackMs, duckReleaseMs: releaseMs });
    const out = rig.out();
    const full = Math.fround(0.1);
    const ducked = 0.1 * dbToGain(duckDb);
    const settled = (v: number) => Math.abs(v - ducked) < 1e-7;
    expect(rig.started(2).frame).toBe(voiceStart);

    // Before the voice: the background untouched.
    expectSamples(out.subarray(0, voiceStart), dc(voiceStart, full), 'before voice');

    // Attack.
    const attackStart = findFrom(out, 0, (v) => v < full);
    const attackEnd = findFrom(out, attackStart, settled);
    expect(Math.abs(attackStart - voiceStart)).toBeLessThanOrEqual(BLOCK);
    expect(Math.abs(attackEnd - attackStart + 1 - ms(attackMs))).toBeLessThanOrEqual(BLOCK);
    for (let i = attackStart + 1; i <= attackEnd; i++) expect(out[i]!).toBeLessThanOrEqual(out[i - 1]!);
    // A linear ramp: halfway through, the gain is halfway.
    expect(out[attackStart + Math.round(ms(attackMs) / 2) - 1]!).toBeCloseTo((full + ducked) / 2, 4);

    // Held while the voice plays.
    for (let i = attackEnd; i < voiceEnd; i++) if (!settled(out[i]!)) throw new Error(`not ducked at ${i}: ${out[i]}`);

    // Release, once a block passes without voice.
    const releaseStart = findFrom(out, attackEnd, (v) => v > ducked + 1e-7);
    const releaseEnd = findFrom(out, releaseStart, (v) => v === full);
    expect(releaseStart).toBeGreaterThanOrEqual(voiceEnd);
    expect(releaseStart - voiceEnd).toBeLessThanOrEqual(BLOCK);
    expect(Math.abs(releaseEnd - releaseStart + 1 - ms(releaseMs))).toBeLessThanOrEqual(BLOCK);
    for (let i = releaseStart + 1; i <= releaseEnd; i++) expect(out[i]!).toBeGreaterThanOrEqual(out[i - 1]!);
    expectSamples(out.subarray(releaseEnd), dc(out.length - releaseEnd, full), 'after release');
  });

  it('uses the default ramps of 30 ms attack and 250 ms release', () => {
    expect([ATTACK, RELEASE]).toEqual([1440, 12000]);
  });

  it('does not duck a background when only the thinking bus plays', () => {
    const rig = new Rig();
    rig.send({ type: 'play', id: 1, bus: 'background', samples: dc(100, 0.1), loop: true });
    rig.send({ type: 'play', id: 2, bus: 'thinking', samples: dc(4000, 0.25), loop: false });
    rig.render(40);
    const out = rig.out();
    expectSamples(out.subarray(0, 4000), dc(4000, Math.fround(0.1) + 0.25));
    expectSamples(out.subarray(4000), dc(out.length - 4000, Math.fround(0.1)));
  });
});

describe('MixerCore gain', () => {
  it('ramps a bus gain linearly over rampMs', () => {
    const rig = new Rig();
    rig.send({ type: 'play', id: 1, bus: 'thinking', samples: dc(64, 1), loop: true });
    rig.render(2);
    rig.send({ type: 'gain', bus: 'thinking', gain: 0.5, rampMs: 10 }); // 480 samples
    rig.render(6);
    const out = rig.out(2 * BLOCK);
    const n = ms(10);
    for (let k = 0; k < n; k++) expect(out[k]!).toBeCloseTo(1 - (0.5 * (k + 1)) / n, 6);
    expect(out[n / 2 - 1]!).toBeCloseTo(0.75, 6);
    expectSamples(out.subarray(n - 1), dc(out.length - n + 1, 0.5), 'after the ramp');
    expectSamples(rig.out(0, 2 * BLOCK), dc(2 * BLOCK, 1), 'before the ramp');

    // Ramping back up from the current value, and a jump with rampMs 0.
    rig.send({ type: 'gain', bus: 'thinking', gain: 1, rampMs: 5 }); // 240 samples: +0.5/240 each
    rig.render(2);
    const up = rig.out(8 * BLOCK, 10 * BLOCK);
    for (let k = 0; k < 240; k++) expect(up[k]!).toBeCloseTo(0.5 + (0.5 * (k + 1)) / 240, 6);
    expectSamples(up.subarray(239), dc(256 - 239, 1));
    rig.send({ type: 'gain', bus: 'thinking', gain: 0.25, rampMs: 0 });
    rig.render();
    expectSamples(rig.out(10 * BLOCK), dc(BLOCK, 0.25), 'jump');
  });

  it('a gain change at a context frame starts with the quantum that holds it; a later command replaces one still waiting', () => {
    const rig = new Rig();
    rig.send({ type: 'play', id: 1, bus: 'thinking', samples: dc(64, 1), loop: true });
    rig.render(2);
    rig.send({ type: 'gain', bus: 'thinking', gain: 0, rampMs: 0, atFrame: 5 * BLOCK + 10 });
    rig.render(6);
    expectSamples(rig.out(0, 5 * BLOCK), dc(5 * BLOCK, 1), 'before its frame');
    expectSamples(rig.out(5 * BLOCK, 8 * BLOCK), dc(3 * BLOCK, 0), 'from its quantum');
    // Waiting, then replaced before its frame (a barge-in not confirmed): it never applies.
    rig.send({ type: 'gain', bus: 'thinking', gain: 1, rampMs: 0 });
    rig.send({ type: 'gain', bus: 'thinking', gain: 0, rampMs: 0, atFrame: 10 * BLOCK });
    rig.render();
    rig.send({ type: 'gain', bus: 'thinking', gain: 0.5, rampMs: 0 });
    rig.renderTo(12 * BLOCK);
    expectSamples(rig.out(8 * BLOCK, 9 * BLOCK), dc(BLOCK, 1), 'restored');
    expectSamples(rig.out(9 * BLOCK, 12 * BLOCK), dc(3 * BLOCK, 0.5), 'the replacement, not the waiting change');
    // A frame already past applies at once.
    rig.send({ type: 'gain', bus: 'thinking', gain: 0.25, rampMs: 0, atFrame: 0 });
    rig.render();
    expectSamples(rig.out(12 * BLOCK), dc(BLOCK, 0.25), 'past frame');
  });

  it('a voice muted by a scheduled gain of 0 and then flushed reports as rendered only what played before the mute (what was heard)', () => {
    const rig = new Rig();
    rig.push(1, 'voice', dc(48000, 0.5));
    rig.renderTo(PREBUFFER + 4 * BLOCK); // playing since the prebuffer filled
    const startFrame = rig.of('started', 1)[0]!.frame;
    const muteAt = rig.frame + 2 * BLOCK + 7;
    rig.send({ type: 'gain', bus: 'voice', gain: 0, rampMs: 5, atFrame: muteAt });
    rig.render(6);
    rig.send({ type: 'flush', bus: 'voice' });
    rig.render(4);
    expect(rig.ended(1).rendered).toBe(muteAt - startFrame + (ms(5) >> 1));
    // Unmuted before the flush: all of it counts again.
    const rig2 = new Rig();
    rig2.push(1, 'voice', dc(48000, 0.5));
    rig2.renderTo(PREBUFFER + 4 * BLOCK);
    rig2.send({ type: 'gain', bus: 'voice', gain: 0, rampMs: 5, atFrame: rig2.frame });
    rig2.render(2);
    rig2.send({ type: 'gain', bus: 'voice', gain: 0.25, rampMs: 5 });
    rig2.render(2);
    const before = rig2.frame - rig2.of('started', 1)[0]!.frame;
    rig2.send({ type: 'flush', bus: 'voice' });
    rig2.render(4);
    expect(rig2.ended(1).rendered).toBeGreaterThan(before);
  });

  it('applies gain to a bus and its later sources, leaving other buses alone', () => {
    const rig = new Rig();
    rig.send({ type: 'gain', bus: 'voice', gain: 0.5, rampMs: 0 });
    rig.send({ type: 'play', id: 1, bus: 'thinking', samples: dc(256, 0.25), loop: false });
    rig.push(2, 'voice', dc(256, 0.5), true);
    rig.render(2);
    expectSamples(rig.out(), dc(256, 0.5));
  });
});

describe('MixerCore flush', () => {
  it('fades the playing source to exactly 0 over fadeMs, drops the queued ones, and plays what comes after', () => {
    const rig = new Rig();
    rig.push(1, 'voice', dc(48000, 1));
    rig.push(2, 'voice', seq(PREBUFFER + 100), true);
    rig.render(10);
    const at = rig.frame; // 1280
    rig.send({ type: 'flush', bus: 'voice' });
    // The queued source is dropped at once, never heard.
    expect(rig.ended(2)).toEqual({ type: 'ended', id: 2, bus: 'voice', rendered: 0, frame: at, reason: 'flushed' });
    const after = seq(500, 300);
    rig.push(3, 'voice', after, true);
    rig.render(10);

    const out = rig.out(at);
    expect(FADE).toBe(192);
    // Linear envelope from 1 down to exactly 0 at the fade's last sample.
    for (let j = 0; j < FADE; j++) expect(out[j]!).toBeCloseTo(1 - (j + 1) / FADE, 6);
    expect(out[FADE - 1]).toBe(0);
    for (let j = 1; j < FADE; j++) expect(out[j]!).toBeLessThan(out[j - 1]!);
    expect(rig.ended(1)).toEqual({ type: 'ended', id: 1, bus: 'voice', rendered: at + FADE, frame: at + FADE, reason: 'flushed' });

    // The stream pushed after the flush starts right after the fade, in the same block.
    expect(rig.started(3).frame).toBe(at + FADE);
    expectSamples(out.subarray(FADE, FADE + 500), after);
    expect(rig.ended(3)).toMatchObject({ reason: 'done', rendered: 500 });
    expectSilent(out.subarray(FADE + 500));
    expect(rig.of('started', 2)).toHaveLength(0);
    expect(rig.core.underruns).toBe(0);
  });

  it.each([1, 2, 3, 5, 4.5])('fades over a configured fadeMs of %s ms, ending exactly on 0', (fadeMs) => {
    const rig = new Rig({ fadeMs });
    const n = ms(fadeMs); // 48, 96, 144, 240, 216
    rig.push(1, 'voice', dc(4000, 0.5), true);
    rig.render(3);
    rig.send({ type: 'flush', bus: 'voice' });
    rig.render(3);
    const out = rig.out(3 * BLOCK);
    for (let j = 0; j < n; j++) expect(out[j]!).toBeCloseTo(0.5 * (1 - (j + 1) / n), 6);
    expect(out[n - 2]!).toBeGreaterThan(0);
    expect(out[n - 1]).toBe(0);
    expectSilent(out.subarray(n));
    expect(rig.ended(1)).toMatchObject({ reason: 'flushed', rendered: 3 * BLOCK + n, frame: 3 * BLOCK + n });
  });

  it('leaves the other buses untouched', () => {
    const rig = new Rig();
    const loop = seq(300, 2000);
    rig.send({ type: 'play', id: 1, bus: 'thinking', samples: loop, loop: true });
    rig.push(2, 'voice', dc(PREBUFFER * 4, 0.5));
    rig.render(5);
    rig.send({ type: 'flush', bus: 'voice' });
    rig.render(10);
    const out = rig.out();
    const expected = Float32Array.from({ length: out.length }, (_, i) => {
      const voice = i < 5 * BLOCK ? 0.5 : i < 5 * BLOCK + FADE ? 0.5 * (1 - (i - 5 * BLOCK + 1) / FADE) : 0;
      return loop[i % 300]! + voice;
    });
    for (let i = 0; i < out.length; i++) expect(out[i]!).toBeCloseTo(expected[i]!, 6);
    // After the fade, exactly the loop: the thinking bus was not faded nor restarted.
    expectSamples(out.subarray(5 * BLOCK + FADE), expected.subarray(5 * BLOCK + FADE));
    expect(rig.of('ended', 1)).toHaveLength(0);
    expect(rig.ended(2).reason).toBe('flushed');
  });

  it('drops a stream that is still prebuffering at once, without a fade', () => {
    const rig = new Rig();
    rig.push(1, 'voice', seq(1000));
    rig.render(2);
    rig.send({ type: 'flush', bus: 'voice' });
    expect(rig.ended(1)).toEqual({ type: 'ended', id: 1, bus: 'voice', rendered: 0, frame: 2 * BLOCK, reason: 'flushed' });
    rig.render(2);
    expectSilent(rig.out());
    expect(rig.of('started')).toHaveLength(0);
  });

  it('ends a flushed stream that runs out of data during the fade (no underrun, bus not blocked)', () => {
    const rig = new Rig();
    rig.push(1, 'voice', seq(2000)); // after 15 blocks only 80 samples are left: less than the fade
    rig.render(15);
    rig.send({ type: 'flush', bus: 'voice' });
    rig.push(2, 'voice', seq(300, 5000), true);
    rig.render(5);
    const at = 15 * BLOCK;
    const out = rig.out(at);
    for (let j = 0; j < 80; j++) expect(out[j]!).toBeCloseTo(((1920 + j + 1) / 16384) * (1 - (j + 1) / FADE), 6);
    expect(rig.ended(1)).toMatchObject({ reason: 'flushed', rendered: 2000, frame: at + 80 });
    expect(rig.core.underruns).toBe(0);
    expect(rig.of('underrun')).toHaveLength(0);
    // The next stream is not held up behind the flushed one.
    expect(rig.started(2).frame).toBe(at + 80);
    expectSamples(out.subarray(80, 380), seq(300, 5000));
  });
  it('ends a stopped stream that runs out of data during the fade', () => {
    const rig = new Rig();
    rig.push(1, 'voice', dc(PREBUFFER + 50, 1)); // 50 left after 15 blocks
    rig.push(2, 'voice', dc(PREBUFFER, 0.5), true);
    rig.render(15);
    rig.send({ type: 'stop', id: 1 });
    rig.render(2);
    expect(rig.ended(1)).toMatchObject({ reason: 'stopped', rendered: PREBUFFER + 50, frame: PREBUFFER + 50 });
    expect(rig.started(2).frame).toBe(PREBUFFER + 50);
    expect(rig.core.underruns).toBe(0);
  });
});

describe('MixerCore late data', () => {
  it('ignores pushes to a stream that was flushed, whether it was playing or queued', () => {
    const rig = new Rig();
    rig.push(1, 'voice', dc(PREBUFFER, 0.5));
    rig.push(2, 'voice', dc(PREBUFFER, 0.5));
    rig.render(2);
    rig.send({ type: 'flush', bus: 'voice' });
    rig.render(3); // the fade is over
    const endedBefore = rig.of('ended').length;
    expect(endedBefore).toBe(2);

    rig.push(1, 'voice', dc(PREBUFFER * 2, 0.5));
    rig.push(2, 'voice', dc(PREBUFFER * 2, 0.5), true);
    rig.render(40);
    expectSilent(rig.out(5 * BLOCK));
    expect(rig.of('started')).toHaveLength(1); // only stream 1, before the flush
    expect(rig.of('ended')).toHaveLength(2);
    expect(rig.of('underrun')).toHaveLength(0);
  });

  it('ignores pushes to a stream that already finished', () => {
    const rig = new Rig();
    rig.push(1, 'voice', dc(200, 0.5), true);
    rig.render(3);
    expect(rig.ended(1).reason).toBe('done');
    rig.push(1, 'voice', dc(PREBUFFER, 0.5), true);
    rig.render(20);
    expectSilent(rig.out(3 * BLOCK));
    expect(rig.of('started')).toHaveLength(1);
    expect(rig.of('ended')).toHaveLength(1);
    // A new id still works.
    rig.push(2, 'voice', dc(10, 0.25), true);
    rig.render();
    expect(rig.started(2).frame).toBe(23 * BLOCK);
  });
});

describe('MixerCore stop', () => {
  it('removes a queued source at once without affecting the playing one', () => {
    const rig = new Rig();
    const a = seq(1000);
    const c = seq(200, 3000);
    rig.push(1, 'voice', a, true);
    rig.push(2, 'voice', seq(PREBUFFER, 1000), true);
    rig.push(3, 'voice', c, true);
    rig.render(2);
    rig.send({ type: 'stop', id: 2 });
    expect(rig.ended(2)).toEqual({ type: 'ended', id: 2, bus: 'voice', rendered: 0, frame: 2 * BLOCK, reason: 'stopped' });
    rig.render(10);
    expectSamples(rig.out(0, 1200), concat(a, c));
    expectSilent(rig.out(1200));
    expect(rig.ended(1)).toMatchObject({ reason: 'done', rendered: 1000, frame: 1000 });
    expect(rig.started(3).frame).toBe(1000);
    expect(rig.of('started', 2)).toHaveLength(0);
  });

  it('fades a playing source out over fadeMs and plays the next one after it', () => {
    const rig = new Rig();
    rig.push(1, 'voice', dc(10000, 1), true);
    rig.push(2, 'voice', seq(100), true);
    rig.render(4);
    rig.send({ type: 'stop', id: 1 });
    rig.render(4);
    const out = rig.out(4 * BLOCK);
    for (let j = 0; j < FADE; j++) expect(out[j]!).toBeCloseTo(1 - (j + 1) / FADE, 6);
    expect(out[FADE - 1]).toBe(0);
    expect(rig.ended(1)).toEqual({ type: 'ended', id: 1, bus: 'voice', rendered: 4 * BLOCK + FADE, frame: 4 * BLOCK + FADE, reason: 'stopped' });
    expectSamples(out.subarray(FADE, FADE + 100), seq(100));
    expect(rig.ended(2).reason).toBe('done');
  });

  it('stops a looped background with a fade', () => {
    const rig = new Rig();
    rig.send({ type: 'play', id: 5, bus: 'background', samples: dc(64, 0.5), loop: true });
    rig.render(3);
    rig.send({ type: 'stop', id: 5 });
    rig.render(4);
    const out = rig.out(3 * BLOCK);
    for (let j = 0; j < FADE; j++) expect(out[j]!).toBeCloseTo(0.5 * (1 - (j + 1) / FADE), 6);
    expectSilent(out.subarray(FADE));
    expect(rig.ended(5)).toMatchObject({ reason: 'stopped', rendered: 3 * BLOCK + FADE, frame: 3 * BLOCK + FADE });
  });

  it('ignores an unknown id', () => {
    const rig = new Rig();
    rig.push(1, 'voice', dc(1000, 0.5), true);
    rig.send({ type: 'stop', id: 99 });
    rig.render(10);
    expect(rig.ended(1)).toMatchObject({ reason: 'done', rendered: 1000 });
  });
});

describe('MixerCore play', () => {
  it('loops a buffer seamlessly, sample-exact across the loop point', () => {
    const rig = new Rig({}, 640);
    const buf = seq(300);
    rig.send({ type: 'play', id: 1, bus: 'thinking', samples: buf, loop: true });
    rig.render(20); // 2560 samples: 8.5 loops, loop points mid-block
    const out = rig.out();
    expectSamples(out, Float32Array.from({ length: out.length }, (_, i) => buf[i % 300]!), 'looped');
    expect(rig.started(1).frame).toBe(640);
    expect(rig.of('ended')).toHaveLength(0);
  });

  it('loops a buffer shorter than a block several times per block', () => {
    const rig = new Rig();
    const buf = seq(37);
    rig.send({ type: 'play', id: 1, bus: 'background', samples: buf, loop: true });
    rig.render(3);
    const out = rig.out();
    expectSamples(out, Float32Array.from({ length: out.length }, (_, i) => buf[i % 37]!));
  });

  it('plays a non-looped buffer once and ends with done', () => {
    const rig = new Rig({}, 1280);
    const buf = seq(300);
    rig.send({ type: 'play', id: 4, bus: 'background', samples: buf, loop: false });
    rig.render(5);
    expectSamples(rig.out(1280, 1580), buf);
    expectSilent(rig.out(1580));
    expect(rig.started(4)).toEqual({ type: 'started', id: 4, bus: 'background', frame: 1280 });
    expect(rig.ended(4)).toEqual({ type: 'ended', id: 4, bus: 'background', rendered: 300, frame: 1580, reason: 'done' });
  });

  it('starts a played buffer without waiting for the prebuffer, and ignores pushes to it', () => {
    const rig = new Rig();
    rig.send({ type: 'play', id: 1, bus: 'voice', samples: seq(50), loop: false });
    rig.push(1, 'voice', seq(PREBUFFER, 50));
    rig.render(2);
    expectSamples(rig.out(0, 50), seq(50));
    expectSilent(rig.out(50));
    expect(rig.ended(1)).toMatchObject({ rendered: 50, frame: 50 });
  });
});

describe('MixerCore status', () => {
  it('reports levels and playout positions about every statusIntervalMs', () => {
    const rig = new Rig();
    rig.send({ type: 'play', id: 1, bus: 'thinking', samples: dc(64, 0.5), loop: true });
    rig.push(2, 'voice', dc(2000, 0.25), true);
    rig.render(375); // 1 s

    const status = rig.of('status');
    // 33 ms = 1584 samples; reports fall on the first block end at or after each multiple.
    expect(status).toHaveLength(Math.floor(48000 / 1584)); // 30
    status.forEach((s, k) => expect(s.frame).toBe(Math.ceil(((k + 1) * 1584) / BLOCK) * BLOCK));
    for (let k = 1; k < status.length; k++) {
      expect(status[k]!.frame - status[k - 1]!.frame).toBeGreaterThanOrEqual(1584 - BLOCK);
      expect(status[k]!.frame - status[k - 1]!.frame).toBeLessThanOrEqual(1584 + BLOCK);
    }

    // First report (0..1664): voice 0.25 + thinking 0.5 throughout.
    const [s1, s2, s3] = status as [Ev<'status'>, Ev<'status'>, Ev<'status'>];
    expect(s1.frame).toBe(1664);
    expect(s1.rms).toBeCloseTo(0.75, 6);
    expect(s1.peak).toBeCloseTo(0.75, 6);
    expect(s1.underruns).toBe(0);
    expect(s1.playing).toEqual([
      { id: 2, bus: 'voice', rendered: 1664 },
      { id: 1, bus: 'thinking', rendered: 1664 },
    ]);
    // Second (1664..3200): the voice ends at 2000, so 336 samples at 0.75 then 1200 at 0.5.
    expect(s2.frame).toBe(3200);
    expect(s2.rms).toBeCloseTo(Math.sqrt((336 * 0.75 ** 2 + 1200 * 0.5 ** 2) / 1536), 6);
    expect(s2.peak).toBeCloseTo(0.75, 6);
    expect(s2.playing).toEqual([{ id: 1, bus: 'thinking', rendered: 3200 }]);
    expect(s3.rms).toBeCloseTo(0.5, 6);
    expect(s3.playing).toEqual([{ id: 1, bus: 'thinking', rendered: s3.frame }]);
  });

  it('lists only sources that have started, and counts underruns', () => {
    const rig = new Rig({ statusIntervalMs: 10 }); // 480 samples
    rig.push(1, 'voice', dc(PREBUFFER, 0.5));
    rig.push(2, 'voice', dc(PREBUFFER, 0.5)); // queued behind 1: never plays while 1 is starved
    rig.render(20); // stream 1 runs dry at 1920 (a block end); the next block finds it dry
    const status = rig.of('status');
    expect(status.map((s) => s.frame)).toEqual([512, 1024, 1536, 1920, 2432]);
    expect(status[0]!.playing).toEqual([{ id: 1, bus: 'voice', rendered: 512 }]);
    expect(status[3]!.playing).toEqual([{ id: 1, bus: 'voice', rendered: 1920 }]);
    expect(status[3]!.underruns).toBe(0);
    expect(status[3]!.rms).toBeCloseTo(0.5, 6);
    expect(status[4]!.underruns).toBe(1);
    expect(status[4]!.playing).toEqual([{ id: 1, bus: 'voice', rendered: 1920 }]);
    expect(status[4]!.rms).toBe(0);
    expect(status[4]!.peak).toBe(0);
  });

  it('follows a configured interval', () => {
    const rig = new Rig();
    rig.render(10);
    rig.send({ type: 'configure', options: { statusIntervalMs: 8 } }); // 384 samples = 3 blocks
    rig.render(12);
    expect(rig.of('status').map((s) => s.frame)).toEqual([13, 16, 19, 22].map((b) => b * BLOCK));
  });
});
