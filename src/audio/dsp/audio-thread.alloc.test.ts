// The audio thread must not allocate per render quantum: garbage there means collector
// pauses in the one thread that cannot wait. These run the worklets' cores for many quanta
// under V8's sampling heap profiler and count the bytes allocated inside the loop. Only
// allocations whose stack holds the loop count, so whatever else this worker does (the
// test runner's messages, timers) cannot make a clean core fail; a heap-size difference
// could (it did, on CI: 250 KB of someone else's garbage).
import { Session } from 'node:inspector/promises';
import { describe, expect, it } from 'vitest';
import { CaptureCore } from './capture-core';
import { dtmfTones } from './dtmf-tones';
import { MixerCore } from './mixer-core';

const QUANTUM = 128;
const WARM = 20_000; // lets the JIT settle (optimised code is heap too)
const QUANTA = 20_000; // ≈ 53 s of audio at 48 kHz
/**
 * Bytes the loop may allocate over QUANTA: under one byte per quantum, while the smallest
 * heap object is 12–16 bytes, so an allocation on every quantum (or every other) fails by
 * far. Measured on Node 20: 0 for the mixer, about 2 KB for the capture core.
 */
const SLACK_BYTES = QUANTA;

interface ProfileNode {
  callFrame: { functionName: string };
  selfSize: number;
  children: ProfileNode[];
}

/** Sum of the bytes allocated in `node`'s subtree. */
function subtreeBytes(node: ProfileNode): number {
  return node.children.reduce((sum, c) => sum + subtreeBytes(c), node.selfSize);
}

/** Bytes allocated under every frame named `name`. */
function bytesUnder(node: ProfileNode, name: string): number {
  if (node.callFrame.functionName === name) return subtreeBytes(node);
  return node.children.reduce((sum, c) => sum + bytesUnder(c, name), 0);
}

/**
 * Bytes that `step` allocated (kept or collected) over `quanta` calls, after a warm-up: the
 * least of up to three measurements. Code the JIT has not optimised yet boxes numbers, and
 * on a loaded machine (the whole unit suite in parallel) optimisation can come late; an
 * allocation the code really makes shows in every measurement.
 */
async function allocated(step: () => void, quanta: number): Promise<number> {
  let least = Infinity;
  for (let run = 0; run < 3 && least >= SLACK_BYTES; run++) least = Math.min(least, await measure(step, quanta));
  return least;
}

async function measure(step: () => void, quanta: number): Promise<number> {
  function measuredLoop(n: number): void {
    for (let i = 0; i < n; i++) step();
  }
  measuredLoop(WARM);
  const session = new Session();
  session.connect();
  try {
    // Every 16 bytes on average, with collected objects: close to every allocation.
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 16,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
    measuredLoop(quanta);
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
    return bytesUnder(profile.head, 'measuredLoop');
  } finally {
    session.disconnect();
  }
}

function sine(n: number, f: number, rate: number, amp = 0.3): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / rate));
}

describe('no allocation per render quantum', { timeout: 120_000 }, () => {
  it('control: a loop that allocates nothing measures nothing', async () => {
    let x = 0;
    const bytes = await allocated(() => void (x += 1), QUANTA);
    console.log(`control: ${bytes} bytes over ${QUANTA} quanta`);
    expect(x % (WARM + QUANTA)).toBe(0);
    expect(bytes).toBeLessThan(SLACK_BYTES);
  });

  it('control: one small array per quantum is caught', async () => {
    // Kept in a ring so that it escapes: V8 removes an allocation nothing sees.
    const kept: number[][] = [[], [], [], []];
    let i = 0;
    const bytes = await allocated(() => void (kept[i++ & 3] = [i]), QUANTA);
    console.log(`control, allocating: ${bytes} bytes over ${QUANTA} quanta`);
    expect(bytes).toBeGreaterThan(16 * QUANTA);
  });

  for (const rate of [48000, 44100]) {
    it(`capture core at ${rate} Hz: downmix, resample to 16 kHz, 512-sample frames, levels`, async () => {
      const core = new CaptureCore(rate, 16000, 512, 33);
      const left = sine(QUANTUM, 440, rate);
      const right = sine(QUANTUM, 660, rate);
      const channels = [left, right];
      let frames = 0;
      let levels = 0;
      // As the VAD worker does: every frame comes back to the pool after its use.
      const onFrame = (f: Float32Array<ArrayBuffer>) => {
        frames++;
        core.recycle(f);
      };
      const onLevel = () => void levels++;
      const bytes = await allocated(() => core.process(channels, onFrame, onLevel), QUANTA);
      console.log(`capture ${rate}: ${bytes} bytes over ${QUANTA} quanta`);
      expect(frames).toBeGreaterThanOrEqual(Math.floor(((WARM + QUANTA) * QUANTUM * 16000) / rate / 512) - 1); // the path really ran
      expect(levels).toBeGreaterThan(1000);
      expect(core.framesAllocated).toBe(1); // the first frame; all others came from the pool
      expect(bytes).toBeLessThan(SLACK_BYTES);
    });
  }

  it('capture core with the DTMF and beep detectors, hearing keys and beeps', async () => {
    const rate = 48000;
    const core = new CaptureCore(rate, 16000, 512, 33, ['dtmf', 'beep']);
    // Keys, then a beep, then silence, cut into quanta beforehand (a view per quantum would allocate here).
    const keys = dtmfTones('1234567890*#ABCD', rate);
    const signal = new Float32Array(keys.length + rate);
    signal.set(keys);
    for (let i = 0; i < rate / 2; i++) signal[keys.length + i] = 0.2 * Math.sin((2 * Math.PI * 1000 * i) / rate);
    const quanta: Float32Array[][] = [];
    for (let at = 0; at + QUANTUM <= signal.length; at += QUANTUM) quanta.push([signal.slice(at, at + QUANTUM)]);
    let q = 0;
    let digits = 0;
    let beeps = 0;
    const onFrame = (f: Float32Array<ArrayBuffer>) => core.recycle(f);
    const onLevel = () => undefined;
    const onDetect = (e: { type: string }) => void (e.type === 'dtmf' ? digits++ : beeps++);
    const step = () => {
      core.process(quanta[q]!, onFrame, onLevel, onDetect);
      q = q + 1 === quanta.length ? 0 : q + 1;
    };
    // A longer warm-up, so the JIT's inlining has settled: a double passed to or returned from a
    // call it did not inline is boxed. That happened (one heap number per window, ~60 KB here)
    // only once the code was hot enough, on a loaded machine.
    for (let i = 0; i < 3 * WARM; i++) step();
    const before = { digits, beeps };
    const bytes = await allocated(step, QUANTA);
    digits -= before.digits;
    beeps -= before.beeps;
    console.log(`capture + detectors: ${bytes} bytes over ${QUANTA} quanta; ${digits} keys, ${beeps} beeps`);
    // Every pass over the signal finds its 16 keys and its beep (the path really ran).
    const passes = Math.floor((WARM + QUANTA) / quanta.length);
    expect(digits).toBeGreaterThanOrEqual(16 * passes);
    expect(beeps).toBeGreaterThanOrEqual(passes);
    expect(bytes).toBeLessThan(SLACK_BYTES);
  });

  it('mixer core: a streamed voice, a looped background under ducking, status events', async () => {
    const rate = 48000;
    const core = new MixerCore(rate, { prebufferMs: 40 });
    const total = 3 * (WARM + QUANTA) * QUANTUM; // enough for three measurements
    // Every chunk pushed before measuring: commands come from the main thread, not from here.
    const chunk = sine(24_000, 220, rate);
    for (let at = 0; at < total + chunk.length; at += chunk.length) core.handle({ type: 'push', id: 1, bus: 'voice', samples: chunk.slice(), end: false });
    core.handle({ type: 'play', id: 2, bus: 'background', samples: sine(4_800, 110, rate, 0.1), loop: true });
    const out = new Float32Array(QUANTUM);
    let frame = 0;
    let statuses = 0;
    let underruns = 0;
    const post = (e: { type: string }) => {
      if (e.type === 'status') statuses++;
      if (e.type === 'underrun') underruns++;
    };
    const bytes = await allocated(() => {
      core.render(out, frame);
      frame += QUANTUM;
      core.flushEvents(post);
    }, QUANTA);
    console.log(`mixer: ${bytes} bytes over ${QUANTA} quanta`);
    expect(statuses).toBeGreaterThan(((WARM + QUANTA) * QUANTUM) / rate / 0.034);
    expect(underruns).toBe(0);
    expect(Math.max(...out.map(Math.abs))).toBeGreaterThan(0.1); // audio, not silence
    expect(bytes).toBeLessThan(SLACK_BYTES);
  });
});
