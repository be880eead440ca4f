// Figure 5's page: the built bundle (a private snapshot of dist/, served at /bench-dist/
// with ordinary caching), start() to listening. Bench-only code.
// A runtime URL: Vite must not resolve (or transform) the bundle.
const E = {
  ...(await import(/* @vite-ignore */ new URL('/bench-dist/earshot.js', location.href).href)),
  ...(await import(/* @vite-ignore */ new URL('/bench-dist/openai.js', location.href).href)),
};
window.E = E;

window.startOnce = async ({ preload = false } = {}) => {
  const base = `${location.origin}/local-ai/v1`;
  const auth = { baseURL: base, apiKey: 'sk-local-bench-key' };
  const session = new E.AgentSession(
    new E.Agent({ instructions: 'You are a terse voice assistant.' }),
    new E.Pipeline({ stt: new E.OpenAISTT(auth), llm: new E.OpenAILLM({ ...auth, model: 'local-bench' }), tts: new E.OpenAITTS(auth) }),
  );
  let vadLoadMs = NaN;
  const cached = new Set();
  session.pipeline.vad.on('vad_ready', (e) => (vadLoadMs = e.loadMs));
  session.pipeline.vad.on('vad_load_progress', (e) => e.cached && cached.add(e.asset));
  let listeningAt = NaN;
  session.on('agent_state_changed', (e) => {
    if (e.state === 'idle' && e.reason === 'started') listeningAt = performance.now();
  });
  // What an app gets that calls preload() on page load, before the user's click.
  if (preload) await session.pipeline.vad.preload();
  const t0 = performance.now();
  await session.start();
  const resolvedMs = performance.now() - t0;
  const listeningMs = listeningAt - t0;
  window.S = session;
  return { listeningMs, resolvedMs, vadLoadMs, cachedAssets: [...cached], startEpochMs: performance.timeOrigin + t0 };
};

window.closeIt = () => window.S.close();

window.benchReady = true;
