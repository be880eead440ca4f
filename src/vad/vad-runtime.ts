import type { RuntimeUrls } from '../assets';
import { AssetLoadError, EarshotError, VadError } from '../errors';
import type { VadOptions } from './options';
import type { VadErrorEvent, VadWorkerCommand, VadWorkerEvent } from './protocol';
import workerUrl from './vad.worker.ts?worker&url';

type StreamEvent = Extract<VadWorkerEvent, { stream: number }>;
/** A stream's events, and `fatal` when the worker itself failed. */
export type StreamListener = (ev: StreamEvent | { type: 'fatal'; error: EarshotError }) => void;
type Progress = Extract<VadWorkerEvent, { type: 'progress' }>;

/** How long an unused VAD worker stays loaded after the last session closed, ms. */
export const keepWarm = { ms: 5000 };

export function toEarshotError(ev: VadErrorEvent, fallbackUrl: string): EarshotError {
  if (ev.code !== 'asset-load-failed') return new VadError(ev.message);
  return new AssetLoadError(ev.url ?? fallbackUrl, ev.message, {
    ...(ev.status !== undefined ? { status: ev.status } : {}),
    ...(ev.contentType !== undefined ? { contentType: ev.contentType } : {}),
  });
}

/**
 * The page's VAD worker for one asset folder: ORT and the model load once and serve
 * every SileroVAD, each as a stream with its own state. Counted holds (a started or
 * preloaded SileroVAD) keep it; when the last is released it stays warm for
 * `keepWarm.ms`, so a new session within that time starts at once, then terminates.
 */
export class VadRuntime {
  static readonly #all = new Map<string, VadRuntime>();

  /** The page's runtime for these assets, created (and its load started) if needed. */
  static for(urls: RuntimeUrls, cacheModel: boolean): VadRuntime {
    const key = `${urls.model}|${urls.ortGlue}|${urls.ortWasm}|${cacheModel}`;
    let rt = VadRuntime.#all.get(key);
    if (!rt) {
      rt = new VadRuntime(key, urls, cacheModel);
      VadRuntime.#all.set(key, rt);
    }
    return rt;
  }

  /** Ends every runtime nobody holds now, without waiting for the keep-warm time. */
  static releaseIdle(): void {
    for (const rt of [...VadRuntime.#all.values()]) if (rt.#holds === 0) rt.#shutdown();
  }

  /** Settles once the model runs; rejects with the load's error. */
  readonly loaded: Promise<void>;
  readonly #key: string;
  readonly #base: string;
  readonly #worker: Worker | null;
  readonly #streams = new Map<number, StreamListener>();
  readonly #progress = new Set<(ev: Progress) => void>();
  #holds = 0;
  #nextStream = 1;
  #idle: ReturnType<typeof setTimeout> | null = null;
  #dead = false;

  private constructor(key: string, urls: RuntimeUrls, cacheModel: boolean) {
    this.#key = key;
    this.#base = urls.model;
    let settle!: (err?: EarshotError) => void;
    this.loaded = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    this.loaded.catch(() => undefined); // observed by each holder
    let worker: Worker | null = null;
    try {
      worker = new Worker(new URL(workerUrl, location.href), { type: 'module', name: 'earshot-vad' });
    } catch (cause) {
      settle(new AssetLoadError(workerUrl, 'Could not start the VAD worker', { cause }));
    }
    this.#worker = worker;
    if (!worker) {
      this.#shutdown();
      return;
    }
    worker.onerror = (e) => {
      this.#fail(new AssetLoadError(workerUrl, `The VAD worker failed: ${e.message || 'script error'}`), settle);
    };
    worker.onmessage = (e: MessageEvent<VadWorkerEvent>) => {
      const ev = e.data;
      if ('stream' in ev) {
        this.#streams.get(ev.stream)?.(ev);
        return;
      }
      if (ev.type === 'progress') for (const l of this.#progress) l(ev);
      else if (ev.type === 'loaded') settle();
      else if (ev.type === 'error') this.#fail(toEarshotError(ev, this.#base), settle);
    };
    this.#send({
      type: 'load',
      modelUrl: urls.model,
      ortGlueUrl: urls.ortGlue,
      ortWasmUrl: urls.ortWasm,
      cacheModel,
    });
  }

  get base(): string {
    return this.#base;
  }

  /** Keeps the worker until the matching {@link release}. Returns a release function (idempotent). */
  hold(onProgress?: (ev: Progress) => void): () => void {
    this.#holds++;
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    if (onProgress) this.#progress.add(onProgress);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (onProgress) this.#progress.delete(onProgress);
      if (--this.#holds > 0 || this.#dead) return;
      if (keepWarm.ms <= 0) this.#shutdown();
      else this.#idle = setTimeout(() => this.#shutdown(), keepWarm.ms);
    };
  }

  /** Opens a stream: frames arrive on `frames`; its events go to `listener`; `tap`: see the `open` command. */
  open(options: VadOptions, frames: MessagePort, tap: boolean, listener: StreamListener): number {
    const id = this.#nextStream++;
    this.#streams.set(id, listener);
    this.#send({ type: 'open', stream: id, options, frames, tap }, [frames]);
    return id;
  }

  send(cmd: Extract<VadWorkerCommand, { stream: number }>): void {
    if (cmd.type === 'close') this.#streams.delete(cmd.stream);
    this.#send(cmd);
  }

  #send(cmd: VadWorkerCommand, transfer: Transferable[] = []): void {
    if (!this.#dead) this.#worker?.postMessage(cmd, transfer);
  }

  /** A failed load ends the runtime; the next start() begins afresh. */
  #fail(err: EarshotError, settle: (err?: EarshotError) => void): void {
    settle(err);
    for (const l of this.#streams.values()) l({ type: 'fatal', error: err });
    this.#shutdown();
  }

  #shutdown(): void {
    if (this.#dead) return;
    if (VadRuntime.#all.get(this.#key) === this) VadRuntime.#all.delete(this.#key);
    if (this.#idle) clearTimeout(this.#idle);
    this.#send({ type: 'shutdown' });
    this.#dead = true;
    const worker = this.#worker;
    // The worker closes itself after releasing ORT; terminate in case it is stuck.
    if (worker) setTimeout(() => worker.terminate(), 500);
  }
}
