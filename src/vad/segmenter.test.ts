import { describe, expect, it } from 'vitest';
import { DEFAULT_VAD_OPTIONS, VAD_FRAME_SAMPLES, VAD_SAMPLE_RATE, type VadOptions } from './options';
import { Segmenter, type SegmenterEvent, type SpeechModel } from './segmenter';

const N = VAD_FRAME_SAMPLES; // 512
const FRAME = N / VAD_SAMPLE_RATE; // 0.032 s
const PAD_FRAMES = DEFAULT_VAD_OPTIONS.preSpeechPadMs / 32; // 10

type Ev<T extends SegmenterEvent['type']> = Extract<SegmenterEvent, { type: T }> & { index: number };

/**
 * A recorded session: a 200 Hz sine at 0.3 where there is "speech", and elsewhere a tiny
 * per-frame constant ((frame + 1) × 1e-6, far below any energy floor) so that every frame
 * of the audio is recognisable.
 */
class Script {
  readonly signal: Float32Array;
  readonly probs: number[];

  constructor(readonly frames: number) {
    this.signal = Float32Array.from({ length: frames * N }, (_, n) => (Math.floor(n / N) + 1) * 1e-6);
    this.probs = new Array<number>(frames).fill(0.02);
  }

  /** Sine over absolute samples [from, to). */
  sine(from: number, to: number): this {
    for (let n = from; n < to; n++) this.signal[n] = 0.3 * Math.sin((2 * Math.PI * 200 * n) / VAD_SAMPLE_RATE);
    return this;
  }

  /** Sine over whole frames [first, last]. */
  sineFrames(first: number, last: number): this {
    return this.sine(first * N, (last + 1) * N);
  }

  /** Probability p for frames [first, last]. */
  p(first: number, last: number, p: number): this {
    for (let i = first; i <= last; i++) this.probs[i] = p;
    return this;
  }

  frame(i: number): Float32Array {
    return this.signal.slice(i * N, (i + 1) * N);
  }
}

/** A model whose probability for the k-th frame it sees is scripted. */
function fakeModel(probs: number[]): SpeechModel & { calls: number; resets: number } {
  const model = {
    calls: 0,
    resets: 0,
    async process(frame: Float32Array) {
      expect(frame.length).toBe(N);
      const p = probs[model.calls++] ?? 0;
      return { isSpeech: p, notSpeech: 1 - p };
    },
    reset_state() {
      model.resets++;
    },
  };
  return model;
}

class Run {
  readonly seg: Segmenter;
  readonly events: (SegmenterEvent & { index: number })[] = [];
  next = 0;

  constructor(readonly script: Script, options: VadOptions = DEFAULT_VAD_OPTIONS) {
    this.seg = new Segmenter(fakeModel(script.probs), options);
  }

  /** Processes frames up to and including `last` (default: all). */
  async to(last = this.script.frames - 1): Promise<this> {
    for (; this.next <= last; this.next++) {
      for (const e of await this.seg.process(this.script.frame(this.next), this.next)) this.events.push({ ...e, index: this.next });
    }
    return this;
  }

  of<T extends SegmenterEvent['type']>(type: T): Ev<T>[] {
    return this.events.filter((e): e is Ev<T> => e.type === type);
  }

  one<T extends SegmenterEvent['type']>(type: T): Ev<T> {
    const e = this.of(type);
    expect(e, `${type} events`).toHaveLength(1);
    return e[0]!;
  }
}

const run = (script: Script) => new Run(script).to();

/** The first frame whose end is `redemptionMs − 16 ms` or more past `lastSpeechAt`. */
function expectedEndFrame(lastSpeechAt: number, redemptionMs = DEFAULT_VAD_OPTIONS.redemptionMs): number {
  let j = 0;
  while ((j + 1) * FRAME - lastSpeechAt < (redemptionMs - 16) / 1000 - 1e-9) j++;
  return j;
}

describe('vad-web FrameProcessor under vitest', () => {
  it('imports the CommonJS module with its named exports', async () => {
    const fp = await import('@ricky0123/vad-web/dist/frame-processor.js');
    const messages = await import('@ricky0123/vad-web/dist/messages.js');
    expect(typeof fp.FrameProcessor).toBe('function');
    expect(messages.Message.SpeechEnd).toBe('SPEECH_END');
  });
});

describe('Segmenter onset', () => {
  it('reports every frame with its end time and probability', async () => {
    const s = new Script(6).p(2, 2, 0.7);
    const r = await run(s);
    const frames = r.of('frame');
    expect(frames.map((f) => f.probability)).toEqual([0.02, 0.02, 0.7, 0.02, 0.02, 0.02]);
    frames.forEach((f, i) => expect(f.at).toBeCloseTo((i + 1) * FRAME, 9));
  });

  it('ignores a single high-probability frame (a click): no start, end nor misfire', async () => {
    const s = new Script(120).sineFrames(20, 20).p(20, 20, 0.95);
    const r = await run(s); // long enough for vad-web's own (longer) redemption to run out
    expect(r.of('speech_started')).toHaveLength(0);
    expect(r.of('speech_ended')).toHaveLength(0);
    expect(r.of('misfire')).toHaveLength(0);
    expect(r.of('frame')).toHaveLength(120);
  });

  it('ignores two speech frames too, and a click between speech-free stretches repeatedly', async () => {
    const s = new Script(200).sineFrames(20, 21).p(20, 21, 0.9).sineFrames(90, 90).p(90, 90, 0.9).p(150, 151, 0.8);
    const r = await run(s);
    expect(r.events.filter((e) => e.type !== 'frame')).toEqual([]);
  });

  it('confirms on the third consecutive speech frame; at = start of the first, confirmedAt = end of the third', async () => {
    const s = new Script(40).sineFrames(20, 29).p(20, 29, 0.9);
    const r = await new Run(s).to(21);
    expect(r.of('speech_started')).toHaveLength(0);
    await r.to(22);
    const started = r.one('speech_started');
    expect(started.index).toBe(22);
    expect(started.at).toBeCloseTo(20 * FRAME, 6); // 0.64
    expect(started.confirmedAt).toBeCloseTo(23 * FRAME, 6); // 0.736
    await r.to();
    expect(r.of('speech_started')).toHaveLength(1); // once per utterance
  });

  it('restarts the count after a frame below the negative threshold', async () => {
    // Speech frames 20–21, two silent frames (64 ms: more than the energy's 48 ms gap), then speech.
    const s = new Script(50).sineFrames(20, 21).p(20, 21, 0.9).p(22, 23, 0.1).sineFrames(24, 35).p(24, 35, 0.9);
    const r = await run(s);
    const started = r.one('speech_started');
    expect(started.index).toBe(26);
    expect(started.confirmedAt).toBeCloseTo(27 * FRAME, 6);
    expect(started.at).toBeCloseTo(24 * FRAME, 6);
  });

  it('after a one-frame dip, places the onset where the sound leading into it began', async () => {
    // The count restarts at 23 (confirmed at 25), but the dip is only 32 ms of silence:
    // the energy bridges it back to the sound that started at frame 20.
    const s = new Script(50).sineFrames(20, 21).p(20, 21, 0.9).p(22, 22, 0.1).sineFrames(23, 35).p(23, 35, 0.9);
    const r = await run(s);
    const started = r.one('speech_started');
    expect(started.index).toBe(25);
    expect(started.confirmedAt).toBeCloseTo(26 * FRAME, 6);
    expect(started.at).toBeCloseTo(20 * FRAME, 6);
  });

  it('neither counts nor resets on a frame between the thresholds', async () => {
    // 0.9, 0.4, 0.9, 0.9: counting the 0.4 would confirm at 22, resetting on it at 24.
    const s = new Script(50).sineFrames(20, 35).p(20, 20, 0.9).p(21, 21, 0.4).p(22, 35, 0.9);
    const r = await run(s);
    const started = r.one('speech_started');
    expect(started.index).toBe(23);
    expect(started.confirmedAt).toBeCloseTo(24 * FRAME, 6);
    expect(started.at).toBeCloseTo(20 * FRAME, 6);
  });

  it('treats exactly the positive threshold as speech and exactly the negative one as not silence', async () => {
    const { positiveSpeechThreshold: pos, negativeSpeechThreshold: neg } = DEFAULT_VAD_OPTIONS;
    const s = new Script(50).sineFrames(20, 35).p(20, 20, pos).p(21, 21, neg).p(22, 23, pos).p(24, 35, 0.9);
    const r = await run(s);
    expect(r.one('speech_started').index).toBe(23);
  });

  it('needs onsetFrames speech frames when configured otherwise', async () => {
    const s = new Script(50).sineFrames(20, 35).p(20, 35, 0.9);
    const r = await new Run(s, { ...DEFAULT_VAD_OPTIONS, onsetFrames: 5 }).to();
    const started = r.one('speech_started');
    expect(started.index).toBe(24);
    expect(started.confirmedAt).toBeCloseTo(25 * FRAME, 6);
    expect(started.at).toBeCloseTo(20 * FRAME, 6);
  });

  it('refines the onset to where the sine starts when the model lags by two frames', async () => {
    // Sine from 200 samples into frame 20 (t = 0.6525 s); probabilities only from frame 22.
    const sineStart = 20 * N + 200;
    const s = new Script(50).sine(sineStart, 36 * N).p(22, 35, 0.9);
    const r = await run(s);
    const started = r.one('speech_started');
    expect(started.index).toBe(24);
    expect(started.confirmedAt).toBeCloseTo(25 * FRAME, 6);
    expect(Math.abs(started.at - sineStart / VAD_SAMPLE_RATE)).toBeLessThanOrEqual(0.008);
    expect(started.at).toBeLessThanOrEqual(sineStart / VAD_SAMPLE_RATE + 1e-9); // never after the sound
  });

  it('looks back at most 192 ms before the first confirming frame', async () => {
    // Steady sound since frame 5 that the model only flags from frame 22.
    const s = new Script(50).sineFrames(5, 35).p(22, 35, 0.9);
    const r = await run(s);
    const started = r.one('speech_started');
    const runStart = 22 * FRAME;
    expect(started.at).toBeGreaterThanOrEqual(runStart - 0.192 - 1e-9);
    expect(started.at).toBeLessThanOrEqual(runStart - 0.192 + 0.008 + 1e-9);
  });
});

describe('Segmenter end of speech', () => {
  it.each([20, 30, 37, 50, 64, 101])(
    'ends %s: lastSpeechAt at the end of the energy although the model trails it by two frames',
    async (k) => {
      // Sine in frames 10..k-1, stopping exactly at frame k's start; the model keeps
      // scoring 0.9 through frames k and k+1, then 0.
      const first = k - 10;
      const s = new Script(k + 40).sineFrames(first, k - 1).p(first, k + 1, 0.9).p(k + 2, k + 39, 0);
      const r = await run(s);
      const ended = r.one('speech_ended');
      const stop = k * FRAME;
      expect(ended.lastSpeechAt).toBeCloseTo(stop, 6); // not (k + 2) × 32 ms, the end of the last 0.9 frame
      // The silence since lastSpeechAt reaches 560 − 16 = 544 ms at the end of frame k + 16.
      expect(expectedEndFrame(stop)).toBe(k + 16);
      expect(ended.index).toBe(k + 16);
      expect(ended.at).toBeCloseTo((k + 17) * FRAME, 6);
      expect(ended.at - ended.lastSpeechAt).toBeCloseTo(0.544, 6);
      expect(ended.startedAt).toBeCloseTo(first * FRAME, 6);
      expect(r.of('misfire')).toHaveLength(0);
      expect(r.one('speech_started').at).toBeCloseTo(first * FRAME, 6);
    },
  );

  it('places lastSpeechAt at the 8 ms block where the sound stops inside a frame', async () => {
    // The sine stops 300 samples (18.75 ms) into frame 30: the last loud block ends at 24 ms.
    const s = new Script(80).sine(20 * N, 30 * N + 300).p(20, 31, 0.9);
    const r = await run(s);
    const ended = r.one('speech_ended');
    expect(ended.lastSpeechAt).toBeCloseTo(30 * FRAME + 0.024, 6);
    expect(ended.index).toBe(expectedEndFrame(30 * FRAME + 0.024)); // 32 × (j + 1) − 984 ≥ 544 → j = 47
    expect(ended.index).toBe(47);
    expect(ended.at).toBeCloseTo(48 * FRAME, 6);
  });

  it('does not place the end more than 128 ms before the last speech frame ends, whatever the energy says', async () => {
    // The sound ends at frame 25, but the model scores speech until frame 31 (ending at
    // 1.024 s): the end of speech is held at 1.024 − 0.128 = 0.896 s (SILERO_MAX_TRAIL_SEC).
    const s = new Script(80).sineFrames(20, 24).p(20, 31, 0.9);
    const r = await run(s);
    const ended = r.one('speech_ended');
    expect(ended.lastSpeechAt).toBeCloseTo(32 * FRAME - 0.128, 6);
    expect(ended.index).toBe(expectedEndFrame(28 * FRAME)); // 44
    expect(ended.index).toBe(44);
  });

  it('falls back to a 64 ms trail when there is no loud energy at all', async () => {
    // The model flags speech in frames 20–31 but the audio is near-silent throughout.
    const s = new Script(80).p(20, 31, 0.9);
    const r = await run(s);
    const ended = r.one('speech_ended');
    expect(ended.lastSpeechAt).toBeCloseTo(32 * FRAME - 0.064, 6);
    expect(ended.index).toBe(expectedEndFrame(30 * FRAME)); // 46
  });

  it('returns the utterance audio: the pre-speech pad, then the speech, up to the end frame', async () => {
    const s = new Script(80).sineFrames(20, 29).p(20, 31, 0.9);
    const r = await run(s);
    const ended = r.one('speech_ended');
    expect(ended.index).toBe(46);
    const firstFrame = 20 - PAD_FRAMES; // 320 ms of pad before the first speech frame
    expect(ended.audio.length).toBe((46 - firstFrame + 1) * N);
    const expected = s.signal.subarray(firstFrame * N, 47 * N);
    for (let n = 0; n < expected.length; n++) {
      if (ended.audio[n] !== expected[n]) throw new Error(`audio[${n}] = ${ended.audio[n]}, expected ${expected[n]}`);
    }
    // The pad: quiet; the speech: the sine, starting 320 ms in.
    const rms = (a: Float32Array) => Math.sqrt(a.reduce((acc, v) => acc + v * v, 0) / a.length);
    expect(rms(ended.audio.subarray(0, PAD_FRAMES * N))).toBeLessThan(1e-4);
    expect(rms(ended.audio.subarray(PAD_FRAMES * N, (PAD_FRAMES + 10) * N))).toBeCloseTo(0.3 / Math.SQRT2, 2);
  });

  it('reports a confirmed but too short utterance as a misfire', async () => {
    // 4 speech frames (128 ms) < minSpeechMs 250: confirmed at frame 22, then dropped.
    const s = new Script(80).sineFrames(20, 23).p(20, 23, 0.9);
    const r = await run(s);
    expect(r.one('speech_started').at).toBeCloseTo(20 * FRAME, 6);
    const misfire = r.one('misfire');
    expect(r.of('speech_ended')).toHaveLength(0);
    const lastSpeechAt = 24 * FRAME;
    expect(misfire.index).toBe(expectedEndFrame(lastSpeechAt)); // 40
    expect(misfire.at).toBeCloseTo(41 * FRAME, 6);
    expect(misfire.startedAt).toBeCloseTo(20 * FRAME, 6);
  });

  it('keeps one utterance when speech resumes within the redemption window', async () => {
    // Speech 20–29, 256 ms of silence, speech 38–47.
    const s = new Script(100).sineFrames(20, 29).p(20, 31, 0.9).sineFrames(38, 47).p(38, 49, 0.9);
    const r = await run(s);
    expect(r.of('speech_started')).toHaveLength(1);
    expect(r.of('misfire')).toHaveLength(0);
    const ended = r.one('speech_ended');
    expect(ended.startedAt).toBeCloseTo(20 * FRAME, 6);
    expect(ended.lastSpeechAt).toBeCloseTo(48 * FRAME, 6);
    expect(ended.index).toBe(expectedEndFrame(48 * FRAME)); // 64
    expect(ended.index).toBe(64);
    expect(ended.audio.length).toBe((64 - (20 - PAD_FRAMES) + 1) * N);
  });

  it('ends at a configured redemptionMs', async () => {
    const s = new Script(80).sineFrames(20, 29).p(20, 31, 0.9);
    const r = await new Run(s, { ...DEFAULT_VAD_OPTIONS, redemptionMs: 300 }).to();
    const ended = r.one('speech_ended');
    // (j + 1) × 32 − 960 ≥ 284 → j = 38
    expect(ended.index).toBe(expectedEndFrame(30 * FRAME, 300));
    expect(ended.index).toBe(38);
  });

  it('does not end while the probability is at or above the negative threshold', async () => {
    // After the sine stops the model hovers at 0.4 (between thresholds) for a long time.
    const s = new Script(100).sineFrames(20, 29).p(20, 31, 0.9).p(32, 69, 0.4);
    const r = await run(s);
    const ended = r.one('speech_ended');
    expect(ended.index).toBe(70); // the first frame under 0.35, long past 544 ms of silence
    expect(ended.lastSpeechAt).toBeCloseTo(30 * FRAME, 6);
  });

  it('reset() drops an utterance in progress; the next one is reported on its own', async () => {
    const s = new Script(140).sineFrames(20, 29).p(20, 31, 0.9).sineFrames(70, 79).p(70, 81, 0.9);
    const r = new Run(s);
    await r.to(35);
    expect(r.of('speech_started')).toHaveLength(1);
    r.seg.reset();
    await r.to(69);
    expect(r.of('speech_ended')).toHaveLength(0);
    expect(r.of('misfire')).toHaveLength(0);
    await r.to();
    const started = r.of('speech_started');
    expect(started).toHaveLength(2);
    expect(started[1]!.at).toBeCloseTo(70 * FRAME, 6);
    const ended = r.one('speech_ended');
    expect(ended.startedAt).toBeCloseTo(70 * FRAME, 6);
    expect(ended.lastSpeechAt).toBeCloseTo(80 * FRAME, 6);
    expect(ended.index).toBe(96);
    // Nothing of the dropped utterance in the audio: pad + second utterance only.
    expect(ended.audio.length).toBe((96 - (70 - PAD_FRAMES) + 1) * N);
    expect(ended.audio[0]).toBe(s.signal[(70 - PAD_FRAMES) * N]);
    expect(r.of('misfire')).toHaveLength(0);
  });

  it('reset() before confirmation forgets the frames counted so far', async () => {
    const s = new Script(60).sineFrames(20, 40).p(20, 40, 0.9);
    const r = new Run(s);
    await r.to(21); // two speech frames counted
    r.seg.reset();
    await r.to(22);
    expect(r.of('speech_started')).toHaveLength(0); // would have confirmed here without reset
    await r.to(24);
    expect(r.one('speech_started').confirmedAt).toBeCloseTo(25 * FRAME, 6);
  });
});
