import { AssetLoadError, TurnDetectorError } from '../errors';
import { readProbability, smartTurnFeatures, SMART_TURN_FRAMES, type SmartTurnOutput } from './features';
import { WHISPER_MEL } from '../audio/dsp/log-mel';

/**
 * The parts of onnxruntime-web used here; the Worker passes `onnxruntime-web/wasm`, tests
 * too. Declared structurally so the published types do not need ORT's.
 */
export interface OrtApi {
  InferenceSession: { create(model: Uint8Array): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}
interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** The model's input name (Smart Turn v3's export). */
export const INPUT_NAME = 'input_features';

/**
 * Smart Turn v3 on an ORT session: audio → Whisper features → P(turn complete). Used
 * inside the detector's Worker (never on the page's main thread: a run takes tens of ms).
 */
export class SmartTurnModel {
  readonly #session: OrtSession;
  readonly #ort: OrtApi;
  readonly #output: SmartTurnOutput;

  private constructor(ort: OrtApi, session: OrtSession, output: SmartTurnOutput) {
    this.#ort = ort;
    this.#session = session;
    this.#output = output;
  }

  /**
   * Starts a session on the model's bytes.
   * @throws AssetLoadError (naming `url`) when ORT cannot load the bytes or the model has no `input_features` input.
   */
  static async create(ort: OrtApi, bytes: ArrayBuffer | Uint8Array, url: string, output: SmartTurnOutput = 'auto'): Promise<SmartTurnModel> {
    let session: OrtSession;
    try {
      session = await ort.InferenceSession.create(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
    } catch (cause) {
      throw new AssetLoadError(url, `Could not start the Smart Turn model: ${String(cause)}`, { cause });
    }
    if (!session.inputNames.includes(INPUT_NAME) || session.outputNames.length === 0) {
      void session.release().catch(() => undefined);
      throw new AssetLoadError(url, `Not a Smart Turn v3 model: it needs an input named ${INPUT_NAME} and an output (inputs: ${session.inputNames.join(', ') || 'none'})`);
    }
    return new SmartTurnModel(ort, session, output);
  }

  /** P(turn complete) for 16 kHz mono audio (its last 8 s count). @throws TurnDetectorError */
  predict(audio: Float32Array): Promise<number> {
    return this.predictFeatures(smartTurnFeatures(audio));
  }

  /** P(turn complete) for ready `input_features` ([80, 800] row-major). @throws TurnDetectorError */
  async predictFeatures(features: Float32Array): Promise<number> {
    const dims = [1, WHISPER_MEL.nMels, SMART_TURN_FRAMES];
    let result: Record<string, OrtTensor>;
    try {
      result = await this.#session.run({ [INPUT_NAME]: new this.#ort.Tensor('float32', features, dims) });
    } catch (cause) {
      throw new TurnDetectorError(`Smart Turn inference failed: ${String(cause)}`, { cause });
    }
    const name = this.#session.outputNames[0]!;
    const out = result[name];
    const p = out && (out.type === 'float32' || out.type === 'float64') ? readProbability(out.data as Float32Array, this.#output) : NaN;
    if (Number.isNaN(p)) throw new TurnDetectorError(`The Smart Turn model's output ${name} holds no probability (${out ? `${out.type} [${out.dims.join(', ')}]` : 'missing'})`);
    return p;
  }

  release(): Promise<void> {
    return this.#session.release();
  }
}
