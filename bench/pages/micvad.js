// Figure 2's page: the same mic audio into Earshot's SileroVAD (a Worker) and into
// @ricky0123/vad-web's MicVAD (the main thread), at the same time, on one AudioContext.
// MicVAD's assets come from /runtime/ (our model and ORT wasm; its worklet is served from
// node_modules by the bench server). Bench-only code.
import * as E from '/src/index.ts';
import { MicVAD } from '@ricky0123/vad-web/dist/real-time-vad.js';

window.E = E;

window.runVadPair = async ({ seconds, aloneSeconds = seconds }) => {
  const engine = new E.AudioEngine();
  await engine.start();
  const vad = new E.SileroVAD();
  const ours = [];
  const oursRun = [];
  let ortRef = null;
  const theirs = { run: [], frame: [] };
  let lastAt = 0;
  vad.on('vad_frame', (f) => {
    ours.push(f.inferenceMs);
    oursRun.push(f.runMs);
    lastAt = f.at;
  });
  const base = `${location.origin}/runtime/`;
  const t0 = performance.now();
  const mic = await MicVAD.new({
    model: 'v5',
    baseAssetPath: base,
    onnxWASMBasePath: base,
    audioContext: engine.context,
    startOnLoad: false,
    // A clone of Earshot's mic track: the very same audio, and MicVAD stopping it is harmless.
    getStream: async () => new MediaStream([engine.microphone.track.clone()]),
    pauseStream: async (s) => s.getTracks().forEach((t) => t.stop()),
    ortConfig: (ort) => {
      ort.env.logLevel = 'error';
      ort.env.wasm.numThreads = 1; // as Earshot's worker
      ortRef = ort;
      const run = ort.InferenceSession.prototype.run;
      ort.InferenceSession.prototype.run = async function (...args) {
        const s = performance.now();
        try {
          return await run.apply(this, args);
        } finally {
          theirs.run.push(performance.now() - s);
        }
      };
    },
  });
  const loadMs = performance.now() - t0;
  // Whole frame in MicVAD (model + its frame processor), comparable with Earshot's inferenceMs.
  const fp = mic.frameProcessor;
  const process = fp.process.bind(fp);
  fp.process = async (...args) => {
    const s = performance.now();
    try {
      return await process(...args);
    } finally {
      theirs.frame.push(performance.now() - s);
    }
  };
  const framesFor = (s) => {
    const startAt = lastAt;
    return new Promise((resolve) => {
      const off = vad.on('vad_frame', (f) => {
        if (f.at - startAt >= s) {
          off();
          resolve();
        }
      });
    });
  };
  // Ours alone first (MicVAD loaded, not started): the live per-frame cost without a second
  // model competing for the 2 cores.
  await vad.start(engine);
  // The live frames themselves, for the pacing probe (the same audio, replayed).
  const live = [];
  const offTap = vad.on('vad_audio', (a) => live.push(a.samples));
  vad.tapAudio(true);
  await framesFor(aloneSeconds);
  vad.tapAudio(false);
  offTap();
  window.liveFrames = live;
  const alone = { ours: ours.splice(0), run: oursRun.splice(0) };
  await mic.start();
  const from = performance.now();
  await framesFor(seconds);
  const to = performance.now();
  await mic.destroy();
  vad.close();
  engine.close();
  const hot = await backToBack(ortRef, `${base}silero_vad_v5.onnx`, 1000);
  const during = window.P.longtasks.filter((l) => l.start >= from && l.start < to);
  const atLoad = window.P.longtasks.filter((l) => l.start >= t0 && l.start < from);
  return { ours, oursRun, alone, hot, theirs, micVadLoadMs: loadMs, longTasksWhileRunning: during, longTasksAtMicVadLoad: atLoad, windowMs: to - from };
};

/**
 * The earlier probe's method: \`session.run\` back to back (fresh input tensor each call,
 * state carried), after 200 warm-up runs, in this page with MicVAD's ORT. Shows the cost
 * of the model with caches and the JIT hot, against the per-frame cost at 31 frames/s.
 */
async function backToBack(ort, modelUrl, runs) {
  const session = await ort.InferenceSession.create(await (await fetch(modelUrl)).arrayBuffer());
  const sr = new ort.Tensor('int64', [16000n]);
  let state = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
  const frame = new Float32Array(576).map((_, i) => 0.1 * Math.sin(i / 5));
  const times = [];
  for (let i = 0; i < 200 + runs; i++) {
    const s = performance.now();
    const out = await session.run({ input: new ort.Tensor('float32', frame.slice(), [1, 576]), state, sr });
    if (i >= 200) times.push(performance.now() - s);
    state = out.stateN;
  }
  await session.release();
  return times;
}

/**
 * Silero run back to back, paced asleep and paced spinning, in a plain worker
 * (vad-pace.worker.js). `live`: fed the live frames recorded by runVadPair; `withAudio`: with
 * an AudioEngine running meanwhile (mic, capture and mixer worklets), as during a session.
 */
window.runPacing = async ({ live = false, withAudio = false, ...rest }) => {
  const engine = withAudio ? new E.AudioEngine() : null;
  await engine?.start();
  try {
    return await new Promise((resolve, reject) => {
      const w = new Worker('/bench/pages/vad-pace.worker.js', { type: 'module' });
      w.onmessage = (e) => (resolve(e.data), w.terminate());
      w.onerror = (e) => (reject(new Error(e.message)), w.terminate());
      const base = `${location.origin}/runtime/`;
      w.postMessage({ modelUrl: `${base}silero_vad_v5.onnx`, wasmBase: base, frames: live ? window.liveFrames : null, ...rest });
    });
  } finally {
    engine?.close();
  }
};

window.benchReady = true;
