// The VAD worker: loads onnxruntime-web (wasm, one thread) and Silero v5 once, then turns
// the frames each open stream's capture worklet posts on its port into speech events.
// One worker serves every SileroVAD of the page (see vad-runtime.ts). ORT never loads in
// the page's realm, so inference cannot stall the main thread.
import { Silero } from '@ricky0123/vad-web/dist/models/silero.js';
import * as ort from 'onnxruntime-web/wasm';
import { AssetLoadError } from '../errors';
import { checkHead } from './asset-check';
import { fetchAsset, fetchChecked, forgetAsset, type FetchProgress } from './fetch-asset';
import { VAD_FRAME_SAMPLES, VAD_SAMPLE_RATE, type VadOptions } from './options';
import { compileOrtWasm, usePrecompiledWasm } from './ort-wasm';
import { workerError, type VadErrorEvent, type VadWorkerCommand, type VadWorkerEvent } from './protocol';
import { Segmenter } from './segmenter';

interface WorkerScope {
  postMessage(message: VadWorkerEvent, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<VadWorkerCommand>) => void) | null;
  close(): void;
}

interface Stream {
  id: number;
  port: MessagePort;
  segmenter: Segmenter | null;
  /** Time of the last `session.run` of this stream, ms. */
  runMs: number;
  closed: boolean;
  failed: boolean;
  /** Post each frame back to the main thread (a streaming STT listens). */
  tap: boolean;
}

const scope = self as unknown as WorkerScope;
performance.mark('earshot-vad:evaluated'); // the worker's script and ORT's JS are loaded and run
const post = (event: VadWorkerEvent, transfer: Transferable[] = []) => scope.postMessage(event, transfer);

let session: Promise<ort.InferenceSession> | null = null;
const streams = new Map<number, Stream>();
/** All streams share one session; its runs go one at a time, in arrival order. */
let chain: Promise<unknown> = Promise.resolve();

scope.onmessage = (event) => {
  const cmd = event.data;
  switch (cmd.type) {
    case 'load':
      if (!session) {
        const loading = (session = load(cmd));
        // The first runs of a new session compile ORT's kernels (hundreds of ms, V8 compiles
        // wasm functions lazily). They go first in the chain, after 'loaded': start() is not
        // delayed, and after preload() the user's first frames find the model warm.
        chain = chain.then(() => loading).then(warmUp).catch(() => undefined); // a failure shows on the first frame
      }
      session.catch((err: unknown) => post(toError(err)));
      break;
    case 'open':
      open(cmd.stream, cmd.options, cmd.frames, cmd.tap);
      break;
    case 'configure':
      streams.get(cmd.stream)?.segmenter?.setOptions(cmd.options);
      break;
    case 'reset':
      streams.get(cmd.stream)?.segmenter?.reset();
      break;
    case 'tap': {
      const stream = streams.get(cmd.stream);
      if (stream) stream.tap = cmd.on;
      break;
    }
    case 'close':
      closeStream(cmd.stream);
      break;
    case 'shutdown':
      for (const id of [...streams.keys()]) closeStream(id);
      void session?.then((s) => s.release()).catch(() => undefined);
      scope.close();
      break;
  }
};

async function load(cmd: Extract<VadWorkerCommand, { type: 'load' }>): Promise<ort.InferenceSession> {
  const phases: Record<string, number> = {};
  // Marks in the worker's timeline too: the start-up benchmark reads them (figure 5).
  const mark = (name: string) => (phases[name] = Math.round(performance.mark(`earshot-vad:${name}`).startTime));
  mark('loadReceived');
  ort.env.logLevel = 'error';
  // One thread: threads need cross-origin isolation, which a library cannot impose on
  // its host page, and they make Silero slower anyway (toolchain §5, P9).
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = { mjs: cmd.ortGlueUrl };
  // The three files load side by side; each is checked before ORT sees it.
  const modelKey = cmd.cacheModel ? `earshot:model:${cmd.modelUrl}` : undefined;
  let modelCached = false;
  const getModel = () =>
    fetchAsset('model', cmd.modelUrl, (p: FetchProgress) => ((modelCached = p.cached), post({ type: 'progress', asset: 'model', ...p })), modelKey);
  const [module, modelBytes] = await Promise.all([
    compileOrtWasm(cmd.ortWasmUrl, ort.env.versions.web ?? 'unknown', (p) => post({ type: 'progress', asset: 'wasm', ...p })).then((m) => (mark('wasmCompiled'), m)),
    getModel().then((b) => (mark('modelFetched'), b)),
    checkGlue(cmd.ortGlueUrl).then(() => mark('glueChecked')),
  ]);
  usePrecompiledWasm(ort.env.wasm, module);
  mark('createStart');
  let created: ort.InferenceSession;
  try {
    created = await createSession(cmd.modelUrl, modelBytes);
  } catch (err) {
    if (!modelCached || !modelKey) throw err;
    // Damaged bytes in IndexedDB (a cut write, another app's data under our key): drop
    // them and load the model from the network once, as on a first visit.
    await forgetAsset(modelKey);
    created = await createSession(cmd.modelUrl, await getModel());
  }
  mark('sessionCreated');
  post({ type: 'loaded', loadMs: performance.now(), phases });
  return created;
}

async function createSession(url: string, bytes: ArrayBuffer): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes);
  } catch (cause) {
    throw new AssetLoadError(url, `Could not start the VAD model: ${String(cause)}`, { cause });
  }
}

/** Runs the model on silence with a state of its own (no stream's state is touched). */
async function warmUp(s: ort.InferenceSession): Promise<void> {
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
  const sr = new ort.Tensor('int64', [BigInt(VAD_SAMPLE_RATE)]);
  for (let i = 0; i < 3; i++) {
    const out = await s.run({ input: new ort.Tensor('float32', new Float32Array(VAD_FRAME_SAMPLES + 64), [1, VAD_FRAME_SAMPLES + 64]), state, sr });
    state = out['stateN'] as ort.Tensor;
  }
  performance.mark('earshot-vad:warmedUp');
}

/** ORT imports its glue itself; a wrong file would only show as "no available backend". */
async function checkGlue(url: string): Promise<void> {
  const res = await fetchChecked('glue', url);
  const head = new Uint8Array((await res.arrayBuffer()).slice(0, 64));
  checkHead('glue', url, head, { status: res.status, contentType: res.headers.get('content-type') });
}

function open(id: number, options: VadOptions, port: MessagePort, tap: boolean): void {
  const stream: Stream = { id, port, segmenter: null, runMs: 0, closed: false, failed: false, tap };
  streams.set(id, stream);
  // Frames that arrive while the model loads wait in the chain, so no audio is lost and
  // timestamps stay exact; they are processed in a burst once the model is ready.
  const ready = (session ?? Promise.reject(new Error('open before load'))).then((s) => {
    stream.segmenter = new Segmenter(timedModel(s, stream), options);
  });
  ready.catch((err: unknown) => fail(stream, err));
  port.onmessage = (e: MessageEvent<{ type: 'frame'; index: number; samples: Float32Array<ArrayBuffer> }>) => {
    const { index, samples } = e.data;
    // The segmenter keeps frames (pre-speech pad, the utterance's audio): it gets a copy,
    // and the buffer goes back to the capture worklet, which then allocates no frames.
    const own = samples.slice();
    port.postMessage({ type: 'recycle', samples }, [samples.buffer]);
    // Tapped frames go out at once, not after inference: the STT must not wait on the model.
    if (stream.tap) {
      const copy = own.slice();
      post({ stream: id, type: 'audio', at: (index * VAD_FRAME_SAMPLES) / VAD_SAMPLE_RATE, samples: copy }, [copy.buffer]);
    }
    chain = chain.then(() => ready).then(() => step(stream, own, index)).catch((err: unknown) => fail(stream, err));
  };
}

/** vad-web's Silero on the shared session, with each `session.run` timed. */
function timedModel(s: ort.InferenceSession, stream: Stream): Silero {
  const timed = {
    run: async (feeds: ort.InferenceSession.FeedsType) => {
      const t0 = performance.now();
      const out = await s.run(feeds);
      stream.runMs = performance.now() - t0;
      return out;
    },
    release: async () => undefined, // the session outlives each stream
  } as unknown as ort.InferenceSession;
  // Constructed directly rather than through Silero.new, which logs to the console.
  return new Silero(timed, new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]), new ort.Tensor('int64', [16000n]), ort);
}

async function step(stream: Stream, samples: Float32Array, index: number): Promise<void> {
  if (stream.closed || stream.failed || !stream.segmenter) return;
  const t0 = performance.now();
  const events = await stream.segmenter.process(samples, index);
  const inferenceMs = performance.now() - t0;
  for (const e of events) {
    if (e.type === 'frame') post({ stream: stream.id, ...e, inferenceMs, runMs: stream.runMs });
    else if (e.type === 'speech_ended') post({ stream: stream.id, ...e }, [e.audio.buffer]);
    else post({ stream: stream.id, ...e });
  }
}

function closeStream(id: number): void {
  const stream = streams.get(id);
  if (!stream) return;
  stream.closed = true;
  stream.port.onmessage = null;
  stream.port.close();
  streams.delete(id);
  post({ stream: id, type: 'closed' });
}

function toError(err: unknown): VadErrorEvent {
  return workerError(err, 'vad-failed');
}

function fail(stream: Stream, err: unknown): void {
  if (stream.failed || stream.closed) return;
  stream.failed = true;
  post({ stream: stream.id, ...toError(err) });
  // After a failure, later frames must not pile up behind a rejected chain: stop listening.
  stream.port.onmessage = null;
}
