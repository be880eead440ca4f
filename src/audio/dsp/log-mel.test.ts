import { describe, expect, it } from 'vitest';
import { fft400, hzToMel, melFilterbank, melToHz, whisperLogMel, WHISPER_MEL } from './log-mel';

const { sampleRate: SR, nFft: N_FFT, hop: HOP, nMels: N_MELS } = WHISPER_MEL;
/** What silence (all power under 1e-10) becomes: (log10(1e-10) + 4) / 4. */
const FLOOR = -1.5;

function sine(hz: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / SR);
  return out;
}

function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
}

describe('fft400', () => {
  it('matches a plain DFT', () => {
    const rand = seeded(7);
    const xRe = Float64Array.from({ length: N_FFT }, rand);
    const xIm = Float64Array.from({ length: N_FFT }, rand);
    const re = xRe.slice();
    const im = xIm.slice();
    fft400(re, im);
    let worst = 0;
    for (let k = 0; k < N_FFT; k++) {
      let sRe = 0;
      let sIm = 0;
      for (let j = 0; j < N_FFT; j++) {
        const a = (-2 * Math.PI * j * k) / N_FFT;
        sRe += xRe[j]! * Math.cos(a) - xIm[j]! * Math.sin(a);
        sIm += xRe[j]! * Math.sin(a) + xIm[j]! * Math.cos(a);
      }
      worst = Math.max(worst, Math.abs(sRe - re[k]!), Math.abs(sIm - im[k]!));
    }
    expect(worst).toBeLessThan(1e-9);
  });
});

describe('mel scale and filterbank', () => {
  it("uses Slaney's scale: linear to 1 kHz, then logarithmic", () => {
    expect(hzToMel(200)).toBeCloseTo(3, 12);
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
    expect(hzToMel(6400)).toBeCloseTo(42, 12); // 15 + 27 per factor 6.4
    for (const hz of [0, 50, 999, 1000, 3000, 8000]) expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 9);
  });

  const bank = melFilterbank();
  const binHz = SR / N_FFT; // 40 Hz
  const edges = Array.from({ length: N_MELS + 2 }, (_, i) => melToHz((hzToMel(SR / 2) * i) / (N_MELS + 1)));

  it('has 80 rows of 201 non-negative weights, each zero outside its triangle', () => {
    expect(bank).toHaveLength(N_MELS);
    const bad: string[] = [];
    bank.forEach((row, m) => {
      if (row.length !== N_FFT / 2 + 1) bad.push(`row ${m}: ${row.length} bins`);
      row.forEach((w, k) => {
        if (w < 0 || ((k * binHz <= edges[m]! || k * binHz >= edges[m + 2]!) && w !== 0)) bad.push(`row ${m} bin ${k}: ${w}`);
      });
    });
    expect(bad).toEqual([]);
  });

  it("matches librosa.filters.mel(sr=16000, n_fft=400, n_mels=80) (Whisper's mel_filters) at reference points", () => {
    // Published values of that matrix: [row, bin, weight], and row sums.
    const points: [number, number, number][] = [
      [0, 1, 0.02486259490251541],
      [1, 1, 0.001990821911022067],
      [1, 2, 0.022871771827340126],
      [2, 2, 0.003981643822044134],
      [2, 3, 0.02088095061480999],
      [20, 20, 0.013890394],
      [40, 43, 0.014735566],
      [79, 192, 0.0031647119],
    ];
    for (const [m, k, w] of points) expect(bank[m]![k]).toBeCloseTo(w, 8);
    const sum = (m: number) => bank[m]!.reduce((a, w) => a + w, 0);
    expect(sum(0)).toBeCloseTo(0.024862593984176, 9);
    expect(sum(40)).toBeCloseTo(0.026664860534783, 9);
    expect(sum(79)).toBeCloseTo(0.024925339738859, 9);
  });

  it('is area-normalized: each triangle peaks at 2 / its width in Hz, so wide rows sum to 1 / bin width', () => {
    bank.forEach((row, m) => {
      const width = edges[m + 2]! - edges[m]!;
      expect(Math.max(...row)).toBeLessThanOrEqual(2 / width + 1e-12);
      // Rows spanning many bins integrate to ~1 (the narrow low rows are sampled too coarsely).
      if (width >= 20 * binHz) expect(row.reduce((a, w) => a + w, 0) * binHz).toBeCloseTo(1, 1);
    });
    // The last row's upper edge is 8 kHz, so its triangle is whole; the top bins are reached.
    expect(bank[N_MELS - 1]![N_FFT / 2 - 1]).toBeGreaterThan(0);
  });
});

describe('whisperLogMel', () => {
  it('gives floor(n / 160) frames: 800 for 8 s (the STFT has 801; the last is dropped, as Whisper does)', () => {
    expect(whisperLogMel(new Float32Array(8 * SR)).frames).toBe(800);
    expect(whisperLogMel(new Float32Array(8 * SR)).data).toHaveLength(N_MELS * 800);
    expect(whisperLogMel(new Float32Array(SR)).frames).toBe(100);
    expect(whisperLogMel(new Float32Array(SR + 159)).frames).toBe(100);
    expect(whisperLogMel(new Float32Array(201)).frames).toBe(1);
    expect(() => whisperLogMel(new Float32Array(200))).toThrow(RangeError);
  });

  it('maps silence to the floor value everywhere', () => {
    const { data } = whisperLogMel(new Float32Array(2 * SR));
    expect(new Set(data)).toEqual(new Set([FLOOR]));
  });

  it('puts the peak energy of a 1 kHz sine in the mel bin containing 1 kHz', () => {
    const { data, frames } = whisperLogMel(sine(1000, 1));
    const expected = bank1kHz();
    expect(edges1kHz(expected)).toBe(true);
    for (const t of [10, 50, 90]) {
      let best = 0;
      for (let m = 1; m < N_MELS; m++) if (data[m * frames + t]! > data[best * frames + t]!) best = m;
      expect(best).toBe(expected);
    }
  });

  it('moves the peak up with the frequency', () => {
    const peak = (hz: number) => {
      const { data, frames } = whisperLogMel(sine(hz, 0.5));
      let best = 0;
      for (let m = 1; m < N_MELS; m++) if (data[m * frames + 25]! > data[best * frames + 25]!) best = m;
      return best;
    };
    const bins = [300, 700, 1500, 3000, 6000].map(peak);
    for (let i = 1; i < bins.length; i++) expect(bins[i]!).toBeGreaterThan(bins[i - 1]!);
  });

  it('floors every value at (max − 8) before scaling: a range of exactly 2 with silence in the signal', () => {
    const audio = new Float32Array(SR);
    audio.set(sine(440, 0.5), SR / 2);
    const { data } = whisperLogMel(audio);
    const max = Math.max(...data);
    const min = Math.min(...data);
    expect(max - min).toBeCloseTo(2, 5);
    expect(min).toBeGreaterThan(FLOOR); // the floor here is the clamp, not 1e-10
  });

  it('matches a direct computation, edges (reflect padding) included', () => {
    const rand = seeded(3);
    const audio = Float32Array.from({ length: 1000 }, rand); // 6 frames
    const { data, frames } = whisperLogMel(audio);
    const ref = referenceLogMel(audio);
    expect(frames).toBe(ref.length);
    let worst = 0;
    for (let t = 0; t < frames; t++) for (let m = 0; m < N_MELS; m++) worst = Math.max(worst, Math.abs(data[m * frames + t]! - ref[t]![m]!));
    expect(worst).toBeLessThan(1e-5);
  });

  /** The row whose triangle gives 1 kHz (bin 25 exactly) the most weight. */
  function bank1kHz(): number {
    const bank = melFilterbank();
    let best = 0;
    for (let m = 1; m < N_MELS; m++) if (bank[m]![25]! > bank[best]![25]!) best = m;
    return best;
  }
  function edges1kHz(m: number): boolean {
    const lo = melToHz((hzToMel(SR / 2) * m) / (N_MELS + 1));
    const hi = melToHz((hzToMel(SR / 2) * (m + 2)) / (N_MELS + 1));
    return lo < 1000 && 1000 < hi;
  }
});

/** Log-mel frames straight from the definitions: explicit reflect padding, plain DFT, dense filterbank. */
function referenceLogMel(audio: Float32Array): number[][] {
  const pad = N_FFT / 2;
  const padded = new Float64Array(audio.length + 2 * pad);
  for (let i = 0; i < padded.length; i++) {
    const j = i - pad;
    padded[i] = audio[j < 0 ? -j : j >= audio.length ? 2 * audio.length - 2 - j : j]!;
  }
  const bank = melFilterbank();
  const frames = 1 + Math.floor(audio.length / HOP) - 1;
  const logs: number[][] = [];
  for (let t = 0; t < frames; t++) {
    const power: number[] = [];
    for (let k = 0; k <= N_FFT / 2; k++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < N_FFT; j++) {
        const x = padded[t * HOP + j]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * j) / N_FFT));
        re += x * Math.cos((2 * Math.PI * j * k) / N_FFT);
        im -= x * Math.sin((2 * Math.PI * j * k) / N_FFT);
      }
      power.push(re * re + im * im);
    }
    logs.push(bank.map((row) => Math.log10(Math.max(1e-10, row.reduce((a, w, k) => a + w * power[k]!, 0)))));
  }
  const max = Math.max(...logs.flat());
  return logs.map((f) => f.map((v) => (Math.max(v, max - 8) + 4) / 4));
}
