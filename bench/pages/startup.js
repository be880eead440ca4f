// Figure 5's page: the built bundle (a private snapshot of dist/, served at /bench-dist/
// with ordinary caching), start() to listening. Bench-only code.
// A runtime URL: Vite must not resolve (or transform) the bundle.
const E = {
  ...(await import(/* @vite-ignore */ new URL('/bench-dist/earshot.js', location.href).href)),
  ...(await import(/* @vite-ignore */ new URL('/bench-dist/openai.js', location.href).href)),
};
window.E = E;

// Start-up timeline (bench-only): when the page-side phases of start() begin and end, by
// wrapping the browser APIs the SDK calls. Times are ms since the current start() began.
const marks = [];
let t0 = 0;
const span = (name, p) => {
  const from = performance.now() - t0;
  return Promise.resolve(p).then(
    (v) => (marks.push({ name, from: Math.round(from), to: Math.round(performance.now() - t0) }), v),
    (e) => (marks.push({ name: `${name} (failed)`, from: Math.round(from), to: Math.round(performance.now() - t0) }), Promise.reject(e)),
  );
};
const point = (name) => marks.push({ name, from: Math.round(performance.now() - t0) });
const addModule = AudioWorklet.prototype.addModule;
AudioWorklet.prototype.addModule = function (url, o) {
  return span(`addModule ${String(url).split('/').pop().replace(/-.*$/, '')}`, addModule.call(this, url, o));
};
const gum = MediaDevices.prototype.getUserMedia;
MediaDevices.prototype.getUserMedia = function (c) {
  return span('getUserMedia', gum.call(this, c));
};
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  return span('audio element play()', play.call(this));
};
const resume = AudioContext.prototype.resume;
AudioContext.prototype.resume = function () {
  return span('AudioContext resume()', resume.call(this));
};
const NativeWorker = window.Worker;
window.Worker = class extends NativeWorker {
  constructor(url, o) {
    point(`new Worker ${o?.name ?? ''}`);
    super(url, o);
  }
};
const NativeAudioContext = window.AudioContext;
window.AudioContext = class extends NativeAudioContext {
  constructor(o) {
    const from = performance.now() - t0;
    super(o);
    marks.push({ name: 'new AudioContext', from: Math.round(from), to: Math.round(performance.now() - t0) });
  }
};

window.startOnce = async ({ preload = false } = {}) => {
  const base = `${location.origin}/local-ai/v1`;
  const auth = { baseURL: base, apiKey: 'sk-local-bench-key' };
  const session = new E.AgentSession(
    new E.Agent({ instructions: 'You are a terse voice assistant.' }),
    new E.Pipeline({ stt: new E.OpenAISTT(auth), llm: new E.OpenAILLM({ ...auth, model: 'local-bench' }), tts: new E.OpenAITTS(auth) }),
  );
  let vadLoadMs = NaN;
  const cached = new Set();
  let vadLiveAt = NaN;
  session.pipeline.vad.on('vad_ready', (e) => ((vadLoadMs = e.loadMs), (vadLiveAt = performance.now()), point('vad_ready')));
  session.pipeline.vad.on('vad_load_progress', (e) => e.cached && cached.add(e.asset));
  let listeningAt = NaN;
  session.on('agent_state_changed', (e) => {
    if (e.state === 'idle' && e.reason === 'started') listeningAt = performance.now();
  });
  // What an app gets that calls preload() on page load, before the user's click.
  marks.length = 0;
  t0 = performance.now();
  if (preload) {
    await session.pipeline.vad.preload();
    marks.length = 0;
  }
  t0 = performance.now();
  await session.start();
  const resolvedMs = performance.now() - t0;
  const listeningMs = listeningAt - t0;
  // The first frame the VAD decides after start(): its session.run (ORT's first runs in a new
  // worker compile kernels) and when its decision reached the page.
  const first = await new Promise((resolve) => {
    const timer = setTimeout(() => (off(), resolve(null)), 5000);
    const off = session.pipeline.vad.on('vad_frame', (f) => {
      clearTimeout(timer);
      off();
      resolve({ runMs: Number(f.runMs.toFixed(2)), inferenceMs: Number(f.inferenceMs.toFixed(2)), at: f.at, receivedMs: Math.round(performance.now() - t0) });
    });
  });
  window.S = session;
  // start() does not wait for the model: when the VAD hears live (speech before it is heard late, not lost).
  const vadLiveMs = (vadLiveAt < t0 ? t0 : vadLiveAt) - t0;
  return { listeningMs, resolvedMs, vadLoadMs, vadLiveMs, cachedAssets: [...cached], startEpochMs: performance.timeOrigin + t0, page: marks.slice(), firstFrame: first };
};

window.closeIt = () => window.S.close();

window.benchReady = true;
