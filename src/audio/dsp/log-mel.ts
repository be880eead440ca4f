// Whisper's log-mel spectrogram, in plain TypeScript: what Whisper-encoder models (Smart
// Turn v3) take as `input_features`. Pure, no Web Audio; runs in a Worker or in Node.

/** Whisper's front end: 16 kHz, 25 ms windows (400 samples) every 10 ms (160), 80 mel bins. */
export const WHISPER_MEL = { sampleRate: 16_000, nFft: 400, hop: 160, nMels: 80 } as const;

const { sampleRate: SR, nFft: N_FFT, hop: HOP, nMels: N_MELS } = WHISPER_MEL;
const N_BINS = N_FFT / 2 + 1;

/**
 * The triangular mel filters of `librosa.filters.mel(sr, n_fft, n_mels)` with its defaults
 * (what Whisper uses): Slaney's mel scale (linear below 1 kHz, logarithmic above), 0 Hz to
 * sr/2, and Slaney area normalization (each triangle scaled by 2 / its width in Hz, so
 * filters have equal area rather than equal height). Row `m` weights the `nFft/2 + 1`
 * power-spectrum bins (bin k at k·sr/nFft Hz).
 */
export function melFilterbank(nMels: number = N_MELS, nFft: number = N_FFT, sampleRate: number = SR): Float64Array[] {
  const bins = Math.floor(nFft / 2) + 1;
  const melMax = hzToMel(sampleRate / 2);
  // nMels + 2 points evenly spaced in mel: the triangles' edges and peaks, in Hz.
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz((melMax * i) / (nMels + 1)));
  const rows: Float64Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const [lo, mid, hi] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const row = new Float64Array(bins);
    const norm = 2 / (hi - lo);
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      const w = Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid));
      if (w > 0) row[k] = w * norm;
    }
    rows.push(row);
  }
  return rows;
}

/** Slaney's mel scale (librosa `htk=False`): 3 mel per 200 Hz up to 1 kHz, then log-spaced (27 mel per factor 6.4). */
export function hzToMel(hz: number): number {
  return hz < 1000 ? (3 * hz) / 200 : 15 + Math.log(hz / 1000) * (27 / Math.log(6.4));
}

export function melToHz(mel: number): number {
  return mel < 15 ? (200 * mel) / 3 : 1000 * Math.exp(((mel - 15) * Math.log(6.4)) / 27);
}

/**
 * Whisper's log-mel spectrogram of 16 kHz mono `samples`, as Whisper (`log_mel_spectrogram`)
 * and transformers' `WhisperFeatureExtractor` compute it:
 * - STFT with a periodic Hann window of 400, hop 160, centred: the signal is reflect-padded
 *   by 200 samples at each end, giving `1 + floor(n / 160)` frames, of which the last is
 *   dropped, as Whisper does (`stft[..., :-1]`): `floor(n / 160)` frames, 800 for 8 s;
 * - power spectrum |X|², projected on {@link melFilterbank};
 * - log10(max(x, 1e-10)), floored at (the spectrogram's maximum − 8), then (x + 4) / 4.
 *
 * Returns `[nMels, frames]` row-major (mel bin m, frame t at `m * frames + t`): the layout
 * of `input_features` [1, 80, frames]. Needs at least 201 samples (the reflect padding).
 * @throws RangeError for fewer samples.
 */
export function whisperLogMel(samples: Float32Array): { data: Float32Array; frames: number } {
  const n = samples.length;
  if (n <= N_FFT / 2) throw new RangeError(`whisperLogMel: needs more than ${N_FFT / 2} samples, got ${n}`);
  const frames = Math.floor(n / HOP);
  const filters = sparseFilters();
  const window = hann();
  const re = new Float64Array(N_FFT);
  const im = new Float64Array(N_FFT);
  const power = new Float64Array(N_BINS);
  const out = new Float32Array(N_MELS * frames);
  let max = -Infinity;
  for (let t = 0; t < frames; t++) {
    const start = t * HOP - N_FFT / 2;
    for (let j = 0; j < N_FFT; j++) {
      re[j] = samples[reflect(start + j, n)]! * window[j]!;
      im[j] = 0;
    }
    fft400(re, im);
    for (let k = 0; k < N_BINS; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    for (let m = 0; m < N_MELS; m++) {
      const { from, weights } = filters[m]!;
      let e = 0;
      for (let i = 0; i < weights.length; i++) e += weights[i]! * power[from + i]!;
      const v = Math.log10(Math.max(e, 1e-10));
      out[m * frames + t] = v;
      if (v > max) max = v;
    }
  }
  const floor = max - 8;
  for (let i = 0; i < out.length; i++) out[i] = (Math.max(out[i]!, floor) + 4) / 4;
  return { data: out, frames };
}

/** numpy's `reflect` padding: index −1 reads sample 1, index n reads sample n − 2. */
function reflect(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * n - 2 - i;
  return i;
}

let hannCache: Float64Array | null = null;
/** Periodic Hann (torch.hann_window's default): 0.5 − 0.5 cos(2πj/N), j < N. */
function hann(): Float64Array {
  if (hannCache) return hannCache;
  hannCache = new Float64Array(N_FFT);
  for (let j = 0; j < N_FFT; j++) hannCache[j] = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / N_FFT);
  return hannCache;
}

let filterCache: { from: number; weights: Float64Array }[] | null = null;
/** The filterbank's rows without their zeros: each triangle spans a few bins. */
function sparseFilters(): { from: number; weights: Float64Array }[] {
  if (filterCache) return filterCache;
  filterCache = melFilterbank().map((row) => {
    let from = row.findIndex((w) => w > 0);
    if (from < 0) from = 0;
    let to = row.length;
    while (to > from && !(row[to - 1]! > 0)) to--;
    return { from, weights: row.slice(from, to) };
  });
  return filterCache;
}

// A mixed-radix FFT for Whisper's 400-point frames (400 = 4 · 4 · 5 · 5), decimation in
// time with a precomputed plan: inputs in digit-reversed order, then one pass per factor,
// smallest blocks first. About 9 000 complex multiplies a frame where a plain DFT needs
// 160 000: some 50 ms for 8 s of audio on a slow core.
interface Stage {
  /** Radix, size of the sub-DFTs combined, size of the result blocks (p · m). */
  p: number;
  m: number;
  n: number;
  /** W_n^(r·k) for k < m, r < p, at k·p + r. */
  twRe: Float64Array;
  twIm: Float64Array;
}
interface Plan {
  /** Position → input index. */
  perm: Int32Array;
  stages: Stage[];
  /** W_p^(r·q) for the radix-4 and radix-5 butterflies, at r·p + q. */
  dft: Record<number, { re: Float64Array; im: Float64Array }>;
}

const FACTORS = [4, 4, 5, 5];
let plan: Plan | null = null;
const bufRe = new Float64Array(N_FFT);
const bufIm = new Float64Array(N_FFT);
/** One butterfly's twiddled inputs (p ≤ 5). */
const yRe = new Float64Array(5);
const yIm = new Float64Array(5);

function makePlan(): Plan {
  const perm = new Int32Array(N_FFT);
  for (let pos = 0; pos < N_FFT; pos++) {
    // The recursive split takes inputs r, r + p0, r + 2·p0, … for sub-DFT r at position r·(N/p0), and so on down.
    let rest = pos;
    let block = N_FFT;
    let stride = 1;
    let index = 0;
    for (const p of FACTORS) {
      block /= p;
      const r = Math.floor(rest / block);
      rest -= r * block;
      index += r * stride;
      stride *= p;
    }
    perm[pos] = index;
  }
  const stages: Stage[] = [];
  let m = 1;
  for (let l = FACTORS.length - 1; l >= 0; l--) {
    const p = FACTORS[l]!;
    const n = m * p;
    const twRe = new Float64Array(m * p);
    const twIm = new Float64Array(m * p);
    for (let k = 0; k < m; k++) {
      for (let r = 0; r < p; r++) {
        twRe[k * p + r] = Math.cos((-2 * Math.PI * r * k) / n);
        twIm[k * p + r] = Math.sin((-2 * Math.PI * r * k) / n);
      }
    }
    stages.push({ p, m, n, twRe, twIm });
    m = n;
  }
  const dft: Plan['dft'] = {};
  for (const p of new Set(FACTORS)) {
    const re = new Float64Array(p * p);
    const im = new Float64Array(p * p);
    for (let r = 0; r < p; r++) {
      for (let q = 0; q < p; q++) {
        re[r * p + q] = Math.cos((-2 * Math.PI * ((r * q) % p)) / p);
        im[r * p + q] = Math.sin((-2 * Math.PI * ((r * q) % p)) / p);
      }
    }
    dft[p] = { re, im };
  }
  return { perm, stages, dft };
}

/** In-place forward DFT of 400 complex samples: X[k] = Σ x[j] e^(−2πi jk/400). */
export function fft400(re: Float64Array, im: Float64Array): void {
  plan ??= makePlan();
  const { perm, stages, dft } = plan;
  for (let pos = 0; pos < N_FFT; pos++) {
    bufRe[pos] = re[perm[pos]!]!;
    bufIm[pos] = im[perm[pos]!]!;
  }
  for (const { p, m, n, twRe, twIm } of stages) {
    const w = dft[p]!;
    // X[b + k + q·m] = Σ_r W_p^(r·q) · W_n^(r·k) · Y_r[k], Y_r[k] at b + r·m + k.
    for (let b = 0; b < N_FFT; b += n) {
      for (let k = 0; k < m; k++) {
        for (let r = 0; r < p; r++) {
          const at = b + r * m + k;
          const c = twRe[k * p + r]!;
          const s = twIm[k * p + r]!;
          yRe[r] = bufRe[at]! * c - bufIm[at]! * s;
          yIm[r] = bufRe[at]! * s + bufIm[at]! * c;
        }
        for (let q = 0; q < p; q++) {
          let sRe = yRe[0]!;
          let sIm = yIm[0]!;
          for (let r = 1; r < p; r++) {
            const c = w.re[r * p + q]!;
            const s = w.im[r * p + q]!;
            sRe += yRe[r]! * c - yIm[r]! * s;
            sIm += yRe[r]! * s + yIm[r]! * c;
          }
          bufRe[b + k + q * m] = sRe;
          bufIm[b + k + q * m] = sIm;
        }
      }
    }
  }
  re.set(bufRe);
  im.set(bufIm);
}
