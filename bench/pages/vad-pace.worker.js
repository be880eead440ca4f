// Figure 2's pacing probe (bench-only): Silero v5 on onnxruntime-web (wasm, one thread) in a
// plain worker, as in Earshot's VAD worker, run three ways after the same warm-up: back to
// back; once every 32 ms with the thread asleep between runs (setTimeout, as live frames
// arrive); once every 32 ms with the thread spinning between runs (never idle). Same input
// each way (a fresh tensor per run, the state carried), so only the pacing differs.
self.onmessage = async (e) => {
  const { modelUrl, wasmBase, hot = 1000, warmup = 200, paced = 300, periodMs = 32, frames = null, precompiled = false } = e.data;
  const ort = await import('onnxruntime-web/wasm');
  ort.env.logLevel = 'error';
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = wasmBase; // the glue and the wasm from runtime/
  if (precompiled) {
    // As Earshot's worker does: compiled here (streaming, Cache API), handed to ORT.
    const { compileOrtWasm, usePrecompiledWasm } = await import('/src/vad/ort-wasm.ts');
    usePrecompiledWasm(ort.env.wasm, await compileOrtWasm(`${wasmBase}ort-wasm-simd-threaded.wasm`, 'bench-pace', () => {}));
  }
  const session = await ort.InferenceSession.create(await (await fetch(modelUrl)).arrayBuffer());
  const sr = new ort.Tensor('int64', [16000n]);
  let state = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
  const sine = new Float32Array(576).map((_, i) => 0.1 * Math.sin(i / 5));
  // `frames`: the live mic frames (512 samples each) the page recorded, in a loop, with
  // the 64-sample context as vad-web builds it; else one sine frame.
  let n = 0;
  const next = () => {
    if (!frames) return sine.slice();
    const cur = frames[n % frames.length];
    const prev = frames[(n + frames.length - 1) % frames.length];
    n++;
    const x = new Float32Array(576);
    x.set(prev.subarray(448), 0);
    x.set(cur, 64);
    return x;
  };
  const feedsMs = [];
  const once = async () => {
    const f = performance.now();
    const feeds = { input: new ort.Tensor('float32', next(), [1, 576]), state, sr };
    const s = performance.now();
    feedsMs.push(s - f);
    const out = await session.run(feeds);
    state = out.stateN;
    return performance.now() - s;
  };
  for (let i = 0; i < warmup; i++) await once();
  const backToBack = [];
  for (let i = 0; i < hot; i++) backToBack.push(await once());
  const asleep = [];
  for (let i = 0; i < paced; i++) {
    await new Promise((r) => setTimeout(r, periodMs));
    asleep.push(await once());
  }
  const spinning = [];
  for (let i = 0; i < paced; i++) {
    const until = performance.now() + periodMs;
    while (performance.now() < until);
    spinning.push(await once());
  }
  await session.release();
  self.postMessage({ backToBack, asleep, spinning, feedsMs });
};
