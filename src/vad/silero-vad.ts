import { resolveRuntimeUrls, type RuntimeUrls } from '../assets';
import { AssetLoadError, ConfigError, EarshotError, VadError, type AnyEarshotError } from '../errors';
import { EventHub } from '../events';
import { DEFAULT_VAD_OPTIONS, type VadOptions } from './options';
import type { VadAsset, VadWorkerCommand, VadWorkerEvent } from './protocol';
import workerUrl from './vad.worker.ts?worker&url';

/** Events of {@link SileroVAD}. Times are audio time: seconds since capture start. */
export interface VadEvents {
  /** Bytes of the model or the ORT wasm received (or read from cache). */
  vad_load_progress: { asset: VadAsset; loaded: number; total: number | null; cached: boolean };
  /** Model loaded and running. `loadMs`: worker start to ready, ms. */
  vad_ready: { loadMs: number };
  /** Confirmed onset. `at`: onset; `confirmedAt`: when enough speech frames were seen. */
  speech_started: { at: number; confirmedAt: number };
  /** End of an utterance. `audio`: 16 kHz mono, with the pre-speech pad. */
  speech_ended: { at: number; startedAt: number; lastSpeechAt: number; audio: Float32Array };
  /** A confirmed onset whose utterance turned out shorter than `minSpeechMs`. */
  speech_misfired: { at: number; startedAt: number };
  /** Every 32 ms frame. `inferenceMs`: model time in the worker. */
  vad_frame: { at: number; probability: number; inferenceMs: number };
  error: { error: AnyEarshotError };
}

/** Anything that can deliver 16 kHz, 512-sample frames to a port: the capture worklet. */
export interface FrameSource {
  /** Routes the capture worklet's frames to `port` (transferred). */
  connectFrames(port: MessagePort): void;
}

export interface SileroVADOptions extends Partial<VadOptions> {
  /**
   * Folder with the model and ORT wasm (the files of `dist/runtime/`), for self-hosting
   * or a CDN. Default: where the app's bundler emitted them, else `runtime/` beside the
   * bundle (see resolveRuntimeUrls).
   */
  assetBaseUrl?: string | URL;
  /** Keep the 2.3 MB model in IndexedDB between page loads. Default true. */
  cacheModel?: boolean;
}

/**
 * Silero v5 voice activity detection in a dedicated Worker (onnxruntime-web, wasm,
 * one thread). Frames go from the capture worklet straight to the worker; the main
 * thread only receives events.
 */
export class SileroVAD extends EventHub<VadEvents> {
  #options: VadOptions;
  readonly #urls: RuntimeUrls;
  readonly #cacheModel: boolean;
  #worker: Worker | null = null;
  #ready: Promise<void> | null = null;

  constructor(options: SileroVADOptions = {}) {
    super();
    const { assetBaseUrl, cacheModel = true, ...vad } = options;
    this.#options = validate({ ...DEFAULT_VAD_OPTIONS, ...stripUndefined(vad) });
    this.#urls = resolveRuntimeUrls(assetBaseUrl);
    this.#cacheModel = cacheModel;
  }

  /** The options in force. */
  get options(): Readonly<VadOptions> {
    return this.#options;
  }

  /**
   * Starts the worker, loads the model and connects `source`. Frames captured while the
   * model loads are queued in the worker and processed once it is ready: none is lost.
   * Resolves when the model runs; rejects with AssetLoadError or VadError.
   */
  start(source: FrameSource): Promise<void> {
    if (this.#ready) return this.#ready;
    const urls = this.#urls;
    let worker: Worker;
    try {
      worker = new Worker(new URL(workerUrl, location.href), { type: 'module', name: 'earshot-vad' });
    } catch (cause) {
      return Promise.reject(new AssetLoadError(workerUrl, 'Could not start the VAD worker', { cause }));
    }
    this.#worker = worker;
    const channel = new MessageChannel();
    source.connectFrames(channel.port1);
    this.#ready = new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: EarshotError) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      worker.onerror = (e) => {
        const err = new AssetLoadError(workerUrl, `The VAD worker failed: ${e.message || 'script error'}`);
        if (settled) this.emit('error', { error: err });
        settle(err);
      };
      worker.onmessage = (e: MessageEvent<VadWorkerEvent>) => {
        const ev = e.data;
        switch (ev.type) {
          case 'progress':
            this.emit('vad_load_progress', { asset: ev.asset, loaded: ev.loaded, total: ev.total, cached: ev.cached });
            break;
          case 'ready':
            this.emit('vad_ready', { loadMs: ev.loadMs });
            settle();
            break;
          case 'frame':
            this.emit('vad_frame', { at: ev.at, probability: ev.probability, inferenceMs: ev.inferenceMs ?? 0 });
            break;
          case 'speech_started':
            this.emit('speech_started', { at: ev.at, confirmedAt: ev.confirmedAt });
            break;
          case 'speech_ended':
            this.emit('speech_ended', { at: ev.at, startedAt: ev.startedAt, lastSpeechAt: ev.lastSpeechAt, audio: ev.audio });
            break;
          case 'misfire':
            this.emit('speech_misfired', { at: ev.at, startedAt: ev.startedAt });
            break;
          case 'error': {
            const err =
              ev.code === 'asset-load-failed'
                ? new AssetLoadError(ev.url ?? urls.model, ev.message, ev.status !== undefined ? { status: ev.status } : {})
                : new VadError(ev.message);
            if (settled) this.emit('error', { error: err });
            settle(err);
            break;
          }
          case 'closed':
            break;
        }
      };
    });
    this.#send(
      {
        type: 'init',
        modelUrl: urls.model,
        ortGlueUrl: urls.ortGlue,
        ortWasmUrl: urls.ortWasm,
        options: this.#options,
        cacheModel: this.#cacheModel,
        frames: channel.port2,
      },
      [channel.port2],
    );
    return this.#ready;
  }

  /** Changes thresholds or timings; takes effect from the next frame. */
  setOptions(update: Partial<VadOptions>): void {
    this.#options = validate({ ...this.#options, ...stripUndefined(update) });
    this.#send({ type: 'configure', options: this.#options });
  }

  /** Drops the utterance in progress, if any (e.g. while the mic is muted). */
  reset(): void {
    this.#send({ type: 'reset' });
  }

  /** Stops the worker and releases the model. Idempotent. */
  close(): void {
    if (!this.#worker) return;
    this.#send({ type: 'close' });
    // The worker closes itself after releasing ORT; terminate in case it is stuck.
    const worker = this.#worker;
    setTimeout(() => worker.terminate(), 500);
    this.#worker = null;
    this.#ready = null;
    this.clear();
  }

  #send(cmd: VadWorkerCommand, transfer: Transferable[] = []): void {
    this.#worker?.postMessage(cmd, transfer);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validate(o: VadOptions): VadOptions {
  const inUnit = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;
  if (!inUnit(o.positiveSpeechThreshold)) throw new ConfigError('positiveSpeechThreshold must be between 0 and 1');
  if (!inUnit(o.negativeSpeechThreshold) || o.negativeSpeechThreshold > o.positiveSpeechThreshold) {
    throw new ConfigError('negativeSpeechThreshold must be between 0 and positiveSpeechThreshold');
  }
  for (const key of ['redemptionMs', 'minSpeechMs', 'preSpeechPadMs'] as const) {
    if (!Number.isFinite(o[key]) || o[key] < 0) throw new ConfigError(`${key} must be a non-negative number of ms`);
  }
  if (!Number.isInteger(o.onsetFrames) || o.onsetFrames < 1) throw new ConfigError('onsetFrames must be a positive integer');
  return o;
}
