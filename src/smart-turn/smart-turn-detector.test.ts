// What SmartTurnDetector decides before it needs its Worker: options and inputs. Node has
// no Worker; the model path itself is tested in smart-turn.test.ts (SmartTurnModel, which
// the worker runs).
import { describe, expect, it } from 'vitest';
import { ConfigError, TurnDetectorError } from '../errors';
import { SmartTurnDetector } from './smart-turn-detector';

const input = (audio?: Float32Array, signal = new AbortController().signal) => ({ transcript: 'hi', history: [], ...(audio ? { audio } : {}), signal });

describe('SmartTurnDetector', () => {
  it('needs a valid modelUrl and a known output reading', () => {
    expect(() => new SmartTurnDetector({} as never)).toThrow(ConfigError);
    expect(() => new SmartTurnDetector({ modelUrl: 'relative/model.onnx' })).toThrow(ConfigError); // no page to resolve against in Node
    expect(() => new SmartTurnDetector({ modelUrl: 'https://example.test/st.onnx', output: 'softmax' as never })).toThrow(ConfigError);
    expect(new SmartTurnDetector({ modelUrl: new URL('https://example.test/st.onnx') }).label).toBe('smart-turn-v3');
  });

  it('rejects a prediction without audio with a TurnDetectorError, before loading anything', async () => {
    const d = new SmartTurnDetector({ modelUrl: 'https://example.test/st.onnx' });
    const err = await d.predict(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnDetectorError);
    expect((err as TurnDetectorError).code).toBe('turn-detector-failed');
    await expect(d.predict(input(new Float32Array(0)))).rejects.toBeInstanceOf(TurnDetectorError);
  });

  it('rejects an already aborted prediction with the abort reason', async () => {
    const d = new SmartTurnDetector({ modelUrl: 'https://example.test/st.onnx' });
    const ac = new AbortController();
    ac.abort();
    await expect(d.predict(input(new Float32Array(16), ac.signal))).rejects.toMatchObject({ name: 'AbortError' });
  });
});
