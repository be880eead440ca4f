// The Smart Turn worker: loads onnxruntime-web (wasm, one thread) and the model once, then
// answers predictions one at a time. Feature extraction (~0.1 s for 8 s of audio) and
// inference both run here, never on the page's main thread. The runtime files go through
// the same checks and caches as the VAD's (src/vad/*), ORT's wasm included.
import * as ort from 'onnxruntime-web/wasm';
import { AssetLoadError, EarshotError } from '../errors';
import { checkHead } from '../vad/asset-check';
import { fetchAsset, fetchChecked } from '../vad/fetch-asset';
import { compileOrtWasm, usePrecompiledWasm } from '../vad/ort-wasm';
import { smartTurnFeatures } from './features';
import { SmartTurnModel } from './model';
import { workerError } from '../vad/protocol';
import type { SmartTurnCommand, SmartTurnErrorEvent, SmartTurnEvent } from './protocol';

interface WorkerScope {
  postMessage(message: SmartTurnEvent): void;
  onmessage: ((event: MessageEvent<SmartTurnCommand>) => void) | null;
}

const scope = self as unknown as WorkerScope;
const post = (event: SmartTurnEvent) => scope.postMessage(event);

let model: Promise<SmartTurnModel> | null = null;
/** Predictions queued or running, and those of them the caller has given up on. */
const pending = new Set<number>();
const cancelled = new Set<number>();
let chain: Promise<unknown> = Promise.resolve();

scope.onmessage = (event) => {
  const cmd = event.data;
  switch (cmd.type) {
    case 'load':
      model ??= load(cmd);
      model.then(
        () => post({ type: 'loaded', loadMs: performance.now() }),
        (err: unknown) => post(toError(err)),
      );
      break;
    case 'predict':
      pending.add(cmd.id);
      chain = chain.then(() => predict(cmd.id, cmd.audio));
      break;
    case 'cancel':
      if (pending.has(cmd.id)) cancelled.add(cmd.id);
      break;
  }
};

async function load(cmd: Extract<SmartTurnCommand, { type: 'load' }>): Promise<SmartTurnModel> {
  ort.env.logLevel = 'error';
  // One thread: threads need cross-origin isolation, which a library cannot impose (toolchain P9).
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = { mjs: cmd.ortGlueUrl };
  const [module, bytes] = await Promise.all([
    compileOrtWasm(cmd.ortWasmUrl, ort.env.versions.web ?? 'unknown', (p) => post({ type: 'progress', asset: 'wasm', ...p })),
    fetchAsset('model', cmd.modelUrl, (p) => post({ type: 'progress', asset: 'model', ...p }), cmd.cacheModel ? `earshot:model:${cmd.modelUrl}` : undefined).catch(
      (err: unknown) => {
        throw renameModel(err);
      },
    ),
    checkGlue(cmd.ortGlueUrl),
  ]);
  usePrecompiledWasm(ort.env.wasm, module);
  return SmartTurnModel.create(ort, bytes, cmd.modelUrl, cmd.output);
}

/**
 * The shared asset checks describe a bad 'model' as the Silero VAD's; this one is Smart
 * Turn's, and it is the app's own file, not one of earshot/dist/runtime/.
 */
function renameModel(err: unknown): unknown {
  if (!(err instanceof AssetLoadError)) return err;
  const message = err.message
    .replace('the Silero VAD model (.onnx)', 'the Smart Turn model (.onnx, `modelUrl`)')
    .replace(/ Serve the files of earshot\/dist\/runtime\/[^]*$/, ' Check `modelUrl`: it must serve the Smart Turn v3 ONNX file as is.');
  return new AssetLoadError(err.url, message, {
    cause: err,
    ...(err.status !== undefined ? { status: err.status } : {}),
    ...(err.contentType !== undefined ? { contentType: err.contentType } : {}),
  });
}

/** ORT imports its glue itself; a wrong file would only show as "no available backend". */
async function checkGlue(url: string): Promise<void> {
  const res = await fetchChecked('glue', url);
  const head = new Uint8Array((await res.arrayBuffer()).slice(0, 64));
  checkHead('glue', url, head, { status: res.status, contentType: res.headers.get('content-type') });
}

async function predict(id: number, audio: Float32Array): Promise<void> {
  try {
    if (cancelled.has(id)) return;
    if (!model) throw new EarshotError('turn-detector-failed', 'Smart Turn: predict before load');
    const m = await model;
    if (cancelled.has(id)) return;
    const t0 = performance.now();
    const features = smartTurnFeatures(audio);
    const t1 = performance.now();
    const probability = await m.predictFeatures(features);
    post({ type: 'result', id, probability, featuresMs: t1 - t0, runMs: performance.now() - t1 });
  } catch (err) {
    if (!cancelled.has(id)) post({ ...toError(err), id });
  } finally {
    pending.delete(id);
    cancelled.delete(id);
  }
}

function toError(err: unknown): SmartTurnErrorEvent {
  return workerError(err, 'turn-detector-failed');
}
