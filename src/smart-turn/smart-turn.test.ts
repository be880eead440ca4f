// Smart Turn's feature → model path in Node: onnxruntime-web runs its wasm backend here
// too. The model is a stand-in of the same signature written by scripts/onnx-stand-in.mjs
// (sigmoid of the features' mean), so its answer can be computed independently.
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web/wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { standInSmartTurnModel } from '../../scripts/onnx-stand-in.mjs';
import { whisperLogMel } from '../audio/dsp/log-mel';
import { AssetLoadError, TurnDetectorError } from '../errors';
import { lastEightSeconds, readProbability, smartTurnFeatures, SMART_TURN_SAMPLES } from './features';
import { SmartTurnModel } from './model';

const SR = 16_000;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;

function tone(hz: number, seconds: number, amplitude = 0.3): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * SR) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / SR));
}

describe('lastEightSeconds', () => {
  it('zero-pads short audio at the start', () => {
    const out = lastEightSeconds(Float32Array.of(1, 2, 3));
    expect(out).toHaveLength(SMART_TURN_SAMPLES);
    expect([...out.slice(-3)]).toEqual([1, 2, 3]);
    expect(out.slice(0, -3).every((v) => v === 0)).toBe(true);
  });

  it('keeps the last 8 s of long audio', () => {
    const long = Float32Array.from({ length: SMART_TURN_SAMPLES + 5 }, (_, i) => i);
    const out = lastEightSeconds(long);
    expect(out[0]).toBe(5);
    expect(out.at(-1)).toBe(SMART_TURN_SAMPLES + 4);
  });
});

describe('smartTurnFeatures', () => {
  it('is [80, 800] and ignores the level (waveform normalization)', () => {
    const a = smartTurnFeatures(tone(300, 2, 0.01));
    const b = smartTurnFeatures(tone(300, 2, 0.5));
    expect(a).toHaveLength(80 * 800);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(worst).toBeLessThan(1e-3);
  });

  it('puts short audio at the end: the same as the audio after explicit leading zeros', () => {
    const speech = tone(500, 1.5);
    const padded = new Float32Array(SMART_TURN_SAMPLES);
    padded.set(speech, SMART_TURN_SAMPLES - speech.length);
    expect(smartTurnFeatures(speech)).toEqual(smartTurnFeatures(padded));
    // The energy is in the last 1.5 s (150 frames): mel bin of 500 Hz, early frame vs late frame.
    const f = smartTurnFeatures(speech);
    const bin = 12; // ≈ 500 Hz
    expect(f[bin * 800 + 750]!).toBeGreaterThan(f[bin * 800 + 100]! + 1);
  });

  it('differs from the plain log-mel only by the normalization', () => {
    const audio = new Float32Array(SMART_TURN_SAMPLES);
    audio.set(tone(800, 8, 1)); // amplitude 1: mean ≈ 0, variance ≈ 0.5
    const plain = whisperLogMel(audio).data;
    const normalized = smartTurnFeatures(audio);
    // Scaling by 1/std (√2) adds log10(2) / 4 to every value above the clamp floor.
    const k = 20 * 800 + 400;
    expect(normalized[k]! - plain[k]!).toBeCloseTo(Math.log10(2) / 4, 3);
  });
});

describe('readProbability', () => {
  const cases: [number[], 'auto' | 'probability' | 'logit', number][] = [
    [[0.8], 'auto', 0.8],
    [[0], 'auto', 0],
    [[1], 'auto', 1],
    [[2], 'auto', sigmoid(2)],
    [[-1.5], 'auto', sigmoid(-1.5)],
    [[0.8], 'logit', sigmoid(0.8)],
    [[0.8], 'probability', 0.8],
    [[1.2], 'probability', 1],
    [[1, 3], 'auto', sigmoid(2)], // [incomplete, complete] class logits
    [[1, 3], 'logit', sigmoid(2)],
    [[0.3, 0.7], 'probability', 0.7], // [incomplete, complete] probabilities
    [[NaN], 'auto', NaN],
    [[], 'auto', NaN],
  ];
  it.each(cases)('%j as %s → %s', (data, how, expected) => {
    const p = readProbability(Float32Array.from(data), how);
    if (Number.isNaN(expected)) expect(p).toBeNaN();
    else expect(p).toBeCloseTo(expected, 6);
  });
});

// ORT's wasm start-up in Node takes seconds when the machine is busy: more than Vitest's 5 s default.
describe('SmartTurnModel on onnxruntime-web (Node, wasm)', { timeout: 30_000 }, () => {
  beforeAll(() => {
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    ort.env.wasm.wasmPaths = fileURLToPath(new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url));
  });

  it('runs the stand-in: sigmoid(mean of the features) of the audio', async () => {
    const model = await SmartTurnModel.create(ort, standInSmartTurnModel(), 'stand-in.onnx');
    try {
      for (const audio of [tone(440, 3), tone(2000, 9, 0.1), new Float32Array(SR)]) {
        const expected = sigmoid(mean(smartTurnFeatures(audio)));
        expect(await model.predict(audio)).toBeCloseTo(expected, 5);
      }
      // Different audio, different answers: the features reach the model.
      expect(await model.predict(tone(440, 3))).not.toBeCloseTo(await model.predict(new Float32Array(SR)), 3);
    } finally {
      await model.release();
    }
  });

  it("reads a logit output with 'logit' (and 'auto' when it is outside 0–1)", async () => {
    const logit = await SmartTurnModel.create(ort, standInSmartTurnModel({ sigmoid: false }), 'logit.onnx', 'logit');
    const silence = new Float32Array(SR); // features all −1.5: a logit outside 0–1
    const auto = await SmartTurnModel.create(ort, standInSmartTurnModel({ sigmoid: false }), 'logit.onnx');
    try {
      expect(await logit.predict(tone(440, 3))).toBeCloseTo(sigmoid(mean(smartTurnFeatures(tone(440, 3)))), 5);
      expect(await auto.predict(silence)).toBeCloseTo(sigmoid(-1.5), 5);
    } finally {
      await logit.release();
      await auto.release();
    }
  });

  it('rejects bytes that are not a model with an AssetLoadError naming the URL', async () => {
    const err = await SmartTurnModel.create(ort, new TextEncoder().encode('<!doctype html>'), 'https://example.test/st.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AssetLoadError);
    expect((err as AssetLoadError).url).toBe('https://example.test/st.onnx');
  });

  it('rejects a model without input_features', async () => {
    const other = standInSmartTurnModel();
    // Rename the input in both places it appears (same length, so the protobuf stays valid).
    const text = new TextDecoder('latin1').decode(other).replaceAll('input_features', 'input_feature_');
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    const err = await SmartTurnModel.create(ort, bytes, 'other.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AssetLoadError);
    expect(String((err as Error).message)).toContain('input_features');
  });

  it('turns an inference failure into a TurnDetectorError', async () => {
    const model = await SmartTurnModel.create(ort, standInSmartTurnModel(), 'stand-in.onnx');
    try {
      const err = await model.predictFeatures(new Float32Array(10)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TurnDetectorError);
      expect((err as TurnDetectorError).code).toBe('turn-detector-failed');
    } finally {
      await model.release();
    }
  });
});
