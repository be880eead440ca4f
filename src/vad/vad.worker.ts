// The VAD worker: loads onnxruntime-web (wasm, one thread) and Silero v5, then turns the
// frames the capture worklet posts on `frames` into speech events. ORT never loads in the
// page's realm, so inference cannot stall the main thread.
import { Silero } from '@ricky0123/vad-web/dist/models/silero.js';
import * as ort from 'onnxruntime-web/wasm';
import { AssetLoadError } from '../errors';
import { fetchAsset } from './fetch-asset';
import type { VadOptions } from './options';
import type { VadWorkerCommand, VadWorkerEvent } from './protocol';
import { Segmenter } from './segmenter';

interface WorkerScope {
  postMessage(message: VadWorkerEvent, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<VadWorkerCommand>) => void) | null;
  close(): void;
}
const scope = self as unknown as WorkerScope;
const post = (event: VadWorkerEvent, transfer: Transferable[] = []) => scope.postMessage(event, transfer);

let segmenter: Segmenter | null = null;
let model: Silero | null = null;
let framesPort: MessagePort | null = null;
let closed = false;
let failed = false;

scope.onmessage = (event) => {
  const cmd = event.data;
  switch (cmd.type) {
    case 'init':
      void init(cmd);
      break;
    case 'configure':
      segmenter?.setOptions(cmd.options);
      break;
    case 'reset':
      segmenter?.reset();
      break;
    case 'close':
      closed = true;
      framesPort?.close();
      void model?.release().catch(() => undefined);
      post({ type: 'closed' });
      scope.close();
      break;
  }
};

async function init(cmd: Extract<VadWorkerCommand, { type: 'init' }>): Promise<void> {
  framesPort = cmd.frames;
  // Frames that arrive while the model loads wait in this chain, so no audio is lost
  // and timestamps stay exact; they are processed in a burst once the model is ready.
  let chain: Promise<unknown> = load(cmd).catch(fail);
  framesPort.onmessage = (e: MessageEvent<{ type: 'frame'; index: number; samples: Float32Array }>) => {
    const { index, samples } = e.data;
    chain = chain.then(() => step(samples, index)).catch(fail);
  };
}

async function load(cmd: Extract<VadWorkerCommand, { type: 'init' }>): Promise<void> {
  const t0 = performance.now();
  ort.env.logLevel = 'error';
  // One thread: threads need cross-origin isolation, which a library cannot impose on
  // its host page, and they make Silero slower anyway (toolchain §5, P9).
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = { mjs: cmd.ortGlueUrl, wasm: cmd.ortWasmUrl };
  const [wasm, modelBytes] = await Promise.all([
    fetchAsset(cmd.ortWasmUrl, (p) => post({ type: 'progress', asset: 'wasm', ...p })),
    fetchAsset(cmd.modelUrl, (p) => post({ type: 'progress', asset: 'model', ...p }), cmd.cacheModel ? `earshot:model:${cmd.modelUrl}` : undefined),
  ]);
  ort.env.wasm.wasmBinary = wasm;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes);
  } catch (cause) {
    throw new AssetLoadError(cmd.modelUrl, `Could not start the VAD model: ${String(cause)}`, { cause });
  }
  // Constructed directly rather than through Silero.new, which logs to the console.
  model = new Silero(session, new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]), new ort.Tensor('int64', [16000n]), ort);
  segmenter = new Segmenter(model, cmd.options as VadOptions);
  post({ type: 'ready', loadMs: performance.now() - t0 });
}

async function step(samples: Float32Array, index: number): Promise<void> {
  if (closed || failed || !segmenter) return;
  const t0 = performance.now();
  const events = await segmenter.process(samples, index);
  const inferenceMs = performance.now() - t0;
  for (const e of events) {
    if (e.type === 'frame') post({ ...e, inferenceMs });
    else if (e.type === 'speech_ended') post(e, [e.audio.buffer]);
    else post(e);
  }
}

function fail(err: unknown): void {
  if (failed) return;
  failed = true;
  if (err instanceof AssetLoadError) {
    post({ type: 'error', code: 'asset-load-failed', message: err.message, url: err.url, ...(err.status !== undefined ? { status: err.status } : {}) });
  } else {
    post({ type: 'error', code: 'vad-failed', message: err instanceof Error ? err.message : String(err) });
  }
  // After a failure, later frames must not pile up behind a rejected chain: stop listening.
  if (framesPort) framesPort.onmessage = null;
}
