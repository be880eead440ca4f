import { resolveRuntimeUrls } from '../assets';
import { AssetLoadError, ConfigError, EarshotError, TurnDetectorError } from '../errors';
import { abortReason, type TurnDetector, type TurnDetectorInput } from '../turn/turn-detector';
import type { SmartTurnOutput } from './features';
import type { SmartTurnCommand, SmartTurnErrorEvent, SmartTurnEvent } from './protocol';
import workerUrl from './smart-turn.worker.ts?worker&url';

export interface SmartTurnDetectorOptions {
  /**
   * The Smart Turn v3 ONNX model (BSD-2, `pipecat-ai/smart-turn-v3`, e.g.
   * `smart-turn-v3.2-cpu.onnx`, about 8 MB), served by your app. Earshot ships no model
   * and fetches nothing it is not given. Relative URLs resolve against the page.
   */
  modelUrl: string | URL;
  /** Folder holding ORT's glue and wasm, as for `SileroVAD` (default: earshot's `runtime/`). */
  assetBaseUrl?: string | URL;
  /** Keep the model bytes in IndexedDB between page loads. Default true. */
  cacheModel?: boolean;
  /** How to read the model's output; see {@link SmartTurnOutput}. Default `auto`. */
  output?: SmartTurnOutput;
  /** Load progress of the model and ORT's wasm, bytes. */
  onProgress?: (ev: { asset: 'model' | 'wasm'; loaded: number; total: number | null; cached: boolean }) => void;
}

type Pending = { resolve: (p: number) => void; reject: (err: unknown) => void };

/**
 * End of turn from the user's voice: Smart Turn v3 (a Whisper-tiny encoder with a
 * classifier, trained on complete and cut-off utterances in 23 languages) judges the last
 * 8 s of audio. It runs on onnxruntime-web (wasm, one thread) in a Worker of its own, so
 * neither the features nor the inference touch the page's main thread.
 *
 * `predict()` needs `audio` (16 kHz mono; the VAD's utterance audio fits); the transcript
 * and history are not used. The model and ORT load on the first `predict()` or on
 * {@link load}; a failed load is retried by the next call.
 */
export class SmartTurnDetector implements TurnDetector {
  readonly label = 'smart-turn-v3';
  readonly #modelUrl: string;
  readonly #options: SmartTurnDetectorOptions;
  #worker: Worker | null = null;
  #loaded: Promise<void> | null = null;
  /** Rejects the load under way (close() or a worker failure during it). */
  #failLoad: ((err: EarshotError) => void) | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(options: SmartTurnDetectorOptions) {
    if (!options?.modelUrl) throw new ConfigError('SmartTurnDetector: modelUrl is required (Earshot ships no Smart Turn model)');
    try {
      this.#modelUrl = new URL(String(options.modelUrl), typeof location !== 'undefined' ? location.href : undefined).href;
    } catch (cause) {
      throw new ConfigError(`SmartTurnDetector: modelUrl is not a valid URL: ${String(options.modelUrl)}`, { cause });
    }
    if (options.output !== undefined && !['auto', 'probability', 'logit'].includes(options.output)) {
      throw new ConfigError(`SmartTurnDetector: output must be 'auto', 'probability' or 'logit'`);
    }
    this.#options = options;
  }

  /** Starts the worker and loads ORT and the model, once. @throws AssetLoadError, TurnDetectorError */
  load(): Promise<void> {
    this.#loaded ??= this.#start();
    return this.#loaded;
  }

  async predict({ audio, signal }: TurnDetectorInput): Promise<number> {
    if (signal.aborted) throw abortReason(signal);
    if (!audio || audio.length === 0) throw new TurnDetectorError("Smart Turn needs the user's audio (16 kHz mono); none was given");
    await abortable(this.load(), signal);
    const worker = this.#worker;
    if (!worker) throw new EarshotError('closed', 'SmartTurnDetector was closed');
    const id = this.#nextId++;
    const copy = audio.slice(); // the caller keeps its buffer; the copy is transferred
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        this.#send({ type: 'cancel', id });
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => signal.removeEventListener('abort', onAbort);
      this.#pending.set(id, {
        resolve: (p) => (done(), resolve(p)),
        reject: (e) => (done(), reject(e)),
      });
      this.#send({ type: 'predict', id, audio: copy }, [copy.buffer]);
    });
  }

  /** Ends the worker; pending predictions reject with `closed`. The detector can load again. */
  close(): void {
    this.#stop(new EarshotError('closed', 'SmartTurnDetector was closed'));
  }

  #start(): Promise<void> {
    const urls = resolveRuntimeUrls(this.#options.assetBaseUrl);
    const loaded = new Promise<void>((resolve, reject) => {
      this.#failLoad = reject;
      let worker: Worker;
      try {
        worker = new Worker(new URL(workerUrl, location.href), { type: 'module', name: 'earshot-smart-turn' });
      } catch (cause) {
        throw new AssetLoadError(workerUrl, 'Could not start the Smart Turn worker', { cause });
      }
      this.#worker = worker;
      worker.onerror = (e) => {
        this.#stop(new AssetLoadError(workerUrl, `The Smart Turn worker failed: ${e.message || 'script error'}`));
      };
      worker.onmessage = (e: MessageEvent<SmartTurnEvent>) => {
        const ev = e.data;
        if (ev.type === 'progress') this.#options.onProgress?.({ asset: ev.asset, loaded: ev.loaded, total: ev.total, cached: ev.cached });
        else if (ev.type === 'loaded') {
          this.#failLoad = null;
          resolve();
        }
        else if (ev.type === 'result') this.#settle(ev.id, (p) => p.resolve(ev.probability));
        else if (ev.id !== undefined) this.#settle(ev.id, (p) => p.reject(toError(ev, this.#modelUrl)));
        else {
          // Loading failed: this worker is done; the next call starts a new one.
          this.#stop(toError(ev, this.#modelUrl));
        }
      };
      this.#send({
        type: 'load',
        modelUrl: this.#modelUrl,
        ortGlueUrl: urls.ortGlue,
        ortWasmUrl: urls.ortWasm,
        cacheModel: this.#options.cacheModel ?? true,
        output: this.#options.output ?? 'auto',
      });
    });
    loaded.catch(() => undefined); // observed by each caller of load()
    return loaded;
  }

  #settle(id: number, fn: (p: Pending) => void): void {
    const p = this.#pending.get(id);
    if (!p) return; // aborted meanwhile
    this.#pending.delete(id);
    fn(p);
  }

  #send(cmd: SmartTurnCommand, transfer: Transferable[] = []): void {
    this.#worker?.postMessage(cmd, transfer);
  }

  #stop(err: EarshotError): void {
    this.#worker?.terminate(); // ORT's memory goes with it
    this.#worker = null;
    this.#loaded = null;
    this.#failLoad?.(err);
    this.#failLoad = null;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}

function toError(ev: SmartTurnErrorEvent, modelUrl: string): EarshotError {
  if (ev.code !== 'asset-load-failed') return new TurnDetectorError(ev.message);
  return new AssetLoadError(ev.url ?? modelUrl, ev.message, {
    ...(ev.status !== undefined ? { status: ev.status } : {}),
    ...(ev.contentType !== undefined ? { contentType: ev.contentType } : {}),
  });
}

/** `promise`, or the signal's abort reason if that comes first. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
