import { resolveRuntimeUrls, type RuntimeUrls } from '../assets';
import { ConfigError, type AnyEarshotError, type EarshotError } from '../errors';
import { EventHub } from '../events';
import { DEFAULT_VAD_OPTIONS, type VadOptions } from './options';
import type { VadAsset } from './protocol';
import { keepWarm, toEarshotError, VadRuntime } from './vad-runtime';

/** Events of {@link SileroVAD}. Times are audio time: seconds since capture start. */
export interface VadEvents {
  /** Bytes of the model or the ORT wasm received (or read from cache). */
  vad_load_progress: { asset: VadAsset; loaded: number; total: number | null; cached: boolean };
  /** Model loaded and running. `loadMs`: `start()` to ready, ms (near 0 when preloaded). */
  vad_ready: { loadMs: number };
  /** Confirmed onset. `at`: onset; `confirmedAt`: when enough speech frames were seen. */
  speech_started: { at: number; confirmedAt: number };
  /** End of an utterance. `audio`: 16 kHz mono, with the pre-speech pad. */
  speech_ended: { at: number; startedAt: number; lastSpeechAt: number; audio: Float32Array };
  /** A confirmed onset whose utterance turned out shorter than `minSpeechMs`. */
  speech_misfired: { at: number; startedAt: number };
  /**
   * Every 32 ms frame. `inferenceMs`: the frame's whole processing time in the worker
   * (model and segmentation); `runMs`: ONNX Runtime's `session.run` alone; `rms`: the
   * frame's level (linear, full scale 1). `at`: audio time of the frame's end, s.
   */
  vad_frame: { at: number; probability: number; rms: number; inferenceMs: number; runMs: number };
  /**
   * Each 32 ms frame's samples (16 kHz mono) while {@link SileroVAD.tapAudio} is on, as
   * they arrive (before inference). `at`: audio time of the frame's start, s.
   */
  vad_audio: { at: number; samples: Float32Array };
  error: { error: AnyEarshotError };
}

/** Anything that can deliver 16 kHz, 512-sample frames to a port: the capture worklet. */
export interface FrameSource {
  /** Routes the capture worklet's frames to `port` (transferred). */
  connectFrames(port: MessagePort): void;
}

export interface SileroVADOptions extends Partial<VadOptions> {
  /** Folder with the model and ORT wasm. Default: `runtime/` beside the bundle. */
  assetBaseUrl?: string | URL;
  /** Keep the 2.3 MB model in IndexedDB between page loads. Default true. */
  cacheModel?: boolean;
}

/**
 * Silero v5 voice activity detection in a Worker (onnxruntime-web, wasm, one thread).
 * Frames go from the capture worklet straight to the worker; the main thread only
 * receives events.
 *
 * One worker per page serves every SileroVAD with the same `assetBaseUrl`: ORT and the
 * model load once. `close()` releases this instance's use of it; when no instance uses
 * it, it stays loaded for {@link SileroVAD.keepWarmMs} (so a new session starts at
 * once) and then terminates. {@link SileroVAD.release} ends it at once.
 */
export class SileroVAD extends EventHub<VadEvents> {
  /**
   * How long the page's VAD worker stays loaded after the last SileroVAD using it
   * closed, in ms. Default 5000; 0 ends it with the last `close()`.
   */
  static get keepWarmMs(): number {
    return keepWarm.ms;
  }
  static set keepWarmMs(ms: number) {
    if (!Number.isFinite(ms) || ms < 0) throw new ConfigError('keepWarmMs must be a non-negative number of ms');
    keepWarm.ms = ms;
  }

  /** Ends the page's VAD worker now if no SileroVAD is started or preloaded. */
  static release(): void {
    VadRuntime.releaseIdle();
  }

  #options: VadOptions;
  readonly #urls: RuntimeUrls;
  readonly #cacheModel: boolean;
  #runtime: VadRuntime | null = null;
  #unhold: (() => void) | null = null;
  #stream: number | null = null;
  #ready: Promise<void> | null = null;
  #tap = false;

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
   * Loads the worker, ORT and the model without a microphone, e.g. on page load, so that
   * `start()` after the user's click only connects. Resolves when the model runs;
   * rejects with AssetLoadError or VadError. The worker is kept until this instance is
   * closed (or started and then closed).
   */
  preload(): Promise<void> {
    return this.#hold().loaded;
  }

  /**
   * Connects `source` and processes its frames. Loads the worker and model first unless
   * {@link preload} (or another SileroVAD of the page) already did. Frames captured while
   * the model loads are queued in the worker and processed once it is ready: none is
   * lost. Resolves when the model runs; rejects with AssetLoadError or VadError.
   */
  start(source: FrameSource): Promise<void> {
    if (this.#ready) return this.#ready;
    const t0 = performance.now();
    const rt = this.#hold();
    const channel = new MessageChannel();
    source.connectFrames(channel.port1);
    let settled = false;
    let settle!: (err?: EarshotError) => void;
    this.#ready = new Promise<void>((resolve, reject) => {
      settle = (err) => {
        if (settled) {
          if (err) this.emit('error', { error: err as AnyEarshotError }); // toEarshotError makes only AssetLoadError or VadError
          return;
        }
        settled = true;
        if (err) reject(err);
        else resolve();
      };
    });
    this.#stream = rt.open(this.#options, channel.port2, this.#tap, (ev) => {
      switch (ev.type) {
        case 'frame':
          this.emit('vad_frame', { at: ev.at, probability: ev.probability, rms: ev.rms, inferenceMs: ev.inferenceMs ?? 0, runMs: ev.runMs ?? 0 });
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
        case 'error':
          settle(toEarshotError(ev, rt.base));
          break;
        case 'fatal':
          settle(ev.error);
          break;
        case 'audio':
          this.emit('vad_audio', { at: ev.at, samples: ev.samples });
          break;
        case 'closed':
          break;
      }
    });
    rt.loaded.then(
      () => {
        if (this.#runtime !== rt || settled) return;
        this.emit('vad_ready', { loadMs: performance.now() - t0 });
        settle();
      },
      (err: EarshotError) => settle(err),
    );
    return this.#ready;
  }

  /** Changes thresholds or timings; takes effect from the next frame. */
  setOptions(update: Partial<VadOptions>): void {
    this.#options = validate({ ...this.#options, ...stripUndefined(update) });
    if (this.#stream !== null) this.#runtime?.send({ type: 'configure', stream: this.#stream, options: this.#options });
  }

  /** Turns the `vad_audio` events (every frame's samples) on or off. Off by default. */
  tapAudio(on: boolean): void {
    this.#tap = on;
    if (this.#stream !== null) this.#runtime?.send({ type: 'tap', stream: this.#stream, on });
  }

  /** Drops the utterance in progress, if any (e.g. while the mic is muted). */
  reset(): void {
    if (this.#stream !== null) this.#runtime?.send({ type: 'reset', stream: this.#stream });
  }

  /**
   * Stops processing and releases this instance's use of the page's VAD worker (which
   * stays warm for {@link SileroVAD.keepWarmMs} if nothing else uses it). Idempotent;
   * the instance can be started again.
   */
  close(): void {
    if (!this.#runtime) return;
    if (this.#stream !== null) this.#runtime.send({ type: 'close', stream: this.#stream });
    this.#unhold?.();
    this.#runtime = null;
    this.#unhold = null;
    this.#stream = null;
    this.#ready = null;
    this.clear();
  }

  /** This instance's hold on the page's runtime, taken once. */
  #hold(): VadRuntime {
    if (this.#runtime) return this.#runtime;
    const rt = VadRuntime.for(this.#urls, this.#cacheModel);
    this.#runtime = rt;
    this.#unhold = rt.hold((ev) => this.emit('vad_load_progress', { asset: ev.asset, loaded: ev.loaded, total: ev.total, cached: ev.cached }));
    return rt;
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
