// Figure 2's page: the same mic audio into Earshot's SileroVAD (a Worker) and into
// @ricky0123/vad-web's MicVAD (the main thread), at the same time, on one AudioContext.
// MicVAD's assets come from /runtime/ (our model and ORT wasm; its worklet is served from
// node_modules by the bench server). Bench-only code.
import * as E from '/src/index.ts';
import { MicVAD } from '@ricky0123/vad-web/dist/real-time-vad.js';

window.E = E;

window.runVadPair = async ({ seconds }) => {
  const engine = new E.AudioEngine();
  await engine.start();
  const vad = new E.SileroVAD();
  const ours = [];
  const theirs = { run: [], frame: [] };
  let lastAt = 0;
  vad.on('vad_frame', (f) => {
    ours.push(f.inferenceMs);
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
  await Promise.all([vad.start(engine), mic.start()]);
  const from = performance.now();
  const startAt = lastAt;
  await new Promise((resolve) => {
    const off = vad.on('vad_frame', (f) => {
      if (f.at - startAt >= seconds) {
        off();
        resolve();
      }
    });
  });
  const to = performance.now();
  await mic.destroy();
  vad.close();
  engine.close();
  const during = window.P.longtasks.filter((l) => l.start >= from && l.start < to);
  const atLoad = window.P.longtasks.filter((l) => l.start >= t0 && l.start < from);
  return { ours, theirs, micVadLoadMs: loadMs, longTasksWhileRunning: during, longTasksAtMicVadLoad: atLoad, windowMs: to - from };
};

window.benchReady = true;
