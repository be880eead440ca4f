/**
 * TTS audio off the main thread (issue 9): a PCM TTS request is fetched and decoded (or a
 * socket TTS utterance spoken, see socket-tts.ts) in a worker that posts the samples straight
 * to the mixer worklet, the way capture frames go from the capture worklet to the VAD worker.
 * The main thread only sends the request and reads back a copy for accounting, so a page
 * blocked for 200 ms cannot starve playback.
 * Where no worker can run (Node, a CSP without worker-src, a failed load) the provider's
 * own main-thread path is used.
 */
import type { MixerStream } from '../../audio/mixer';
import { ProviderError } from '../errors';
import { fromPipeError } from './pipe-error';
import type { PcmRequest } from './pcm-fetch';
import type { RequestMeta } from '../types';
import type { PipeCommand, PipeEvent } from './pipe-protocol';
import workerUrl from './tts-pipe.worker.ts?worker&url';

/** What `TTS.synthesizeTo` returns: the samples, already on their way to the mixer, and `end()`. */
export interface PipedAudio extends AsyncIterable<Float32Array> {
  /** No audio follows this request: the mixer stream ends as soon as its audio is delivered. */
  end(): void;
}

/**
 * ms the worker stays loaded after its last request once no mixer it feeds is alive (a
 * session's mixer keeps it warm between turns, so no turn waits for it to load).
 */
export const pipeKeepWarm = { ms: 4000 };

type Listener = (e: PipeEvent | { type: 'broken' }) => void;

let worker: Worker | null = null;
/** The worker could not load here: later requests use the main thread. */
let broken = false;
let mixers = new WeakMap<object, number>();
/** Mixers the worker has a port to: while one is alive the worker stays. */
const served = new Set<MixerStream['mixer']>();
const listeners = new Map<number, Listener>();
let nextId = 1;
let active = 0;
let idle: ReturnType<typeof setTimeout> | undefined;

function post(cmd: PipeCommand, transfer: Transferable[] = []): void {
  worker?.postMessage(cmd, transfer);
}

function start(): Worker | null {
  if (broken || typeof Worker !== 'function') return null;
  if (worker) return worker;
  try {
    worker = new Worker(new URL(workerUrl, location.href), { type: 'module', name: 'earshot-tts' });
  } catch {
    broken = true;
    return null;
  }
  mixers = new WeakMap();
  worker.onmessage = (e: MessageEvent<PipeEvent>) => listeners.get(e.data.job)?.(e.data);
  worker.onerror = () => {
    broken = true;
    stop();
    for (const l of listeners.values()) l({ type: 'broken' });
  };
  return worker;
}

function stop(): void {
  worker?.terminate();
  worker = null;
  served.clear();
}

/** A disposed mixer drops its port handler (Mixer.dispose); a closed context ends it too. */
const alive = (m: MixerStream['mixer']) => m.node.port.onmessage !== null && m.node.context.state !== 'closed';

function idleCheck(): void {
  if (active > 0) return;
  for (const m of served) if (!alive(m)) served.delete(m);
  if (served.size) idle = setTimeout(idleCheck, pipeKeepWarm.ms);
  else stop();
}

/** The worker's port to `mixer`, opened on first use: while the mixer is alive the worker stays. */
function portTo(mixer: MixerStream['mixer']): number {
  let key = mixers.get(mixer);
  if (key === undefined) {
    mixers.set(mixer, (key = nextId++));
    served.add(mixer);
    const port = mixer.openPort();
    post({ type: 'port', mixer: key, port }, [port]);
  }
  return key;
}

/**
 * Loads the worker and connects it to `mixer` ahead of the first request (`TTS.prepare`): a
 * first answer otherwise waits for the worker's script. It stays while the mixer is alive.
 */
export function preparePipe(mixer: MixerStream['mixer']): void {
  if (!start()) return;
  portTo(mixer);
  if (active === 0) {
    clearTimeout(idle);
    idle = setTimeout(idleCheck, pipeKeepWarm.ms);
  }
}

/** What the worker is asked to do for one request, and how. */
export interface PipeRequest {
  readonly provider: string;
  /** The command that starts job `id` on the worker's mixer `mixer` (it may await, e.g. a token). */
  command(id: number, mixer: number): PipeCommand | Promise<PipeCommand>;
  /** The command was posted: e.g. its text follows. */
  started?(id: number): void;
  /** The job is over, whichever way. */
  finish?(): void;
  onMeta?(meta: RequestMeta): void;
}

/**
 * Sends `request` through the worker to `stream` (null: nothing to say). `fallback` is the
 * provider's main-thread path (its `synthesize`), whose chunks are pushed to `stream` here.
 */
export function pipePcm(request: PcmRequest | null, stream: MixerStream, signal: AbortSignal, fallback: () => AsyncIterable<Float32Array>, onMeta?: (meta: RequestMeta) => void): PipedAudio {
  return pipeTo(
    request && {
      provider: request.provider,
      async command(job, mixer) {
        // A getToken function cannot cross to the worker: its token goes, called here.
        const auth = request.auth.getToken ? { apiKey: await token(request, signal) } : request.auth;
        return { type: 'job', job, mixer, stream: stream.id, rate: stream.sourceRate, request: { ...request, auth } };
      },
      ...(onMeta ? { onMeta } : {}),
    },
    stream,
    signal,
    fallback,
  );
}

/** A new id for a job or a link (listeners share one space). */
export const pipeId = (): number => nextId++;

/** Posts to the worker if it runs (false: it does not). */
export function pipePost(cmd: PipeCommand): boolean {
  post(cmd);
  return worker !== null;
}

/** Routes the worker's events carrying `job: id` to `listener` (null: stop); `onBroken`: the worker failed. */
export function pipeListen(id: number, listener: ((e: PipeEvent) => void) | null, onBroken?: () => void): void {
  if (listener) listeners.set(id, (e) => (e.type === 'broken' ? onBroken?.() : listener(e)));
  else listeners.delete(id);
}

/**
 * Loads the worker for a long-lived user (a realtime socket) and keeps it until the returned
 * release is called; null: no worker here (the caller uses the main thread).
 */
export function pipeHold(): (() => void) | null {
  if (!start()) return null;
  active++;
  clearTimeout(idle);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--active === 0) idle = setTimeout(idleCheck, pipeKeepWarm.ms);
  };
}

/** The worker's id of `mixer` (its port opened on first use). */
export const pipeMixer = (mixer: MixerStream['mixer']): number => portTo(mixer);

/**
 * Has the worker do `request` for `stream` (null, or no worker here: `fallback`, the
 * provider's main-thread path, whose chunks are pushed to `stream` here).
 */
export function pipeTo(request: PipeRequest | null, stream: MixerStream, signal: AbortSignal, fallback: () => AsyncIterable<Float32Array>): PipedAudio {
  let job = 0;
  let ending = false;
  async function* main(): AsyncGenerator<Float32Array, void, undefined> {
    for await (const samples of fallback()) {
      stream.push(samples);
      yield samples;
    }
  }
  async function* piped(): AsyncGenerator<Float32Array, void, undefined> {
    const w = request && start();
    if (!w || !request) return yield* main();
    active++;
    clearTimeout(idle);
    const queue: (PipeEvent | { type: 'broken' })[] = [];
    let wake: (() => void) | null = null;
    const onAbort = () => wake?.();
    let settled = false;
    let yielded = false;
    const id = nextId++;
    try {
      listeners.set(id, (e) => {
        queue.push(e);
        wake?.();
      });
      signal.addEventListener('abort', onAbort);
      const key = portTo(stream.mixer);
      const cmd = await request.command(id, key);
      if (signal.aborted) return;
      post(cmd);
      job = id;
      if (ending) post({ type: 'end', job });
      request.started?.(id);
      for (;;) {
        if (signal.aborted) return;
        const e = queue.shift();
        if (!e) {
          await new Promise<void>((r) => (wake = r));
          wake = null;
          continue;
        }
        if (e.type === 'audio') {
          yielded = true;
          yield e.samples;
        } else if (e.type === 'meta') request.onMeta?.(e.meta);
        else if (e.type === 'done') {
          settled = true;
          return;
        } else if (e.type === 'error') {
          settled = true;
          throw fromPipeError(e.error, request.provider);
        } else if (e.type === 'broken') {
          settled = true;
          // The worker failed to load before any audio: the main thread does this request.
          if (!yielded) return yield* main();
          throw new ProviderError('provider-protocol', request.provider, 'the TTS audio worker failed');
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      listeners.delete(id);
      if (!settled && job) post({ type: 'abort', job });
      job = 0;
      request.finish?.();
      if (--active === 0) idle = setTimeout(idleCheck, pipeKeepWarm.ms);
    }
  }
  let finished = false;
  // The end goes the way the audio went: through the worker it follows the audio the worker
  // posted (the main thread's own port to the worklet is not ordered with the worker's).
  // Ending twice is harmless, so it is sent again once the request is over, whatever became
  // of it (an aborted or failed job does not end the stream in the worker).
  const endNow = () => {
    const key = worker && mixers.get(stream.mixer);
    if (key) post({ type: 'end-stream', mixer: key, stream: stream.id });
    else stream.end();
  };
  async function* tracked(): AsyncGenerator<Float32Array, void, undefined> {
    try {
      yield* piped();
    } finally {
      finished = true;
      if (ending) endNow();
    }
  }
  const it = tracked();
  return {
    [Symbol.asyncIterator]: () => it,
    end() {
      ending = true;
      if (job) post({ type: 'end', job }); // the worker ends the stream after this job's audio
      else if (finished) endNow(); // else: not sent yet (the job carries the end) or winding down (as it finishes)
    },
  };
}

async function token(request: PcmRequest, signal: AbortSignal): Promise<string> {
  try {
    return await request.auth.getToken!();
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new ProviderError('provider-auth', request.provider, `getToken() failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
