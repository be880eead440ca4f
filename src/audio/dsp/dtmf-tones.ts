import { DTMF_COLUMNS, DTMF_KEYS, DTMF_ROWS } from './dtmf';

/** How {@link dtmfTones} shapes the keys. */
export interface DTMFToneOptions {
  /** Tone length, ms. Default 70 (ITU-T Q.24 asks receivers to accept ≥ 40). */
  toneMs?: number;
  /** Silence after each tone, ms. Default 70. */
  gapMs?: number;
  /** Peak of the tone pair, dBFS (each tone is 6 dB lower). Default −10. */
  levelDb?: number;
  /** High tone over the low one, dB (positive: normal twist). Default 0. */
  twistDb?: number;
  /** Fade in and out of each tone, ms (no clicks). Default 2. */
  rampMs?: number;
}

/** The samples of `digits` as DTMF tones. Characters other than keys are skipped; `,` is a 500 ms pause. */
export function dtmfTones(digits: string, sampleRate: number, options: DTMFToneOptions = {}): Float32Array {
  const tone = Math.round(((options.toneMs ?? 70) * sampleRate) / 1000);
  const gap = Math.round(((options.gapMs ?? 70) * sampleRate) / 1000);
  const pause = Math.round(sampleRate / 2);
  const peak = 10 ** ((options.levelDb ?? -10) / 20);
  const twist = 10 ** ((options.twistDb ?? 0) / 20);
  // Low + high amplitudes sum to the peak; their ratio is the twist.
  const low = peak / (1 + twist);
  const high = low * twist;
  const ramp = Math.max(1, Math.round(((options.rampMs ?? 2) * sampleRate) / 1000));
  const keys = [...digits.toUpperCase()].filter((c) => c === ',' || DTMF_KEYS.includes(c));
  const out = new Float32Array(keys.reduce((n, c) => n + (c === ',' ? pause : tone + gap), 0));
  let at = 0;
  for (const c of keys) {
    if (c === ',') {
      at += pause;
      continue;
    }
    const k = DTMF_KEYS.indexOf(c);
    const wl = (2 * Math.PI * DTMF_ROWS[k >> 2]!) / sampleRate;
    const wh = (2 * Math.PI * DTMF_COLUMNS[k & 3]!) / sampleRate;
    for (let i = 0; i < tone; i++) {
      const env = Math.min(1, i / ramp, (tone - 1 - i) / ramp);
      out[at + i] = env * (low * Math.sin(wl * i) + high * Math.sin(wh * i));
    }
    at += tone + gap;
  }
  return out;
}
