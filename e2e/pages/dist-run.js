// Shared by the dist pages (no inline scripts: they are served under a strict CSP): start the engine and the VAD, collect events until the
// first utterance ends. Plain JS, as a user's page would be.
async function runEarshot(Earshot) {
  const engine = new Earshot.AudioEngine();
  const vad = new Earshot.SileroVAD();
  const out = { exports: Object.keys(Earshot).sort(), events: [], progress: 0, assetBase: Earshot.resolveAssetBase() };
  vad.on('vad_load_progress', () => out.progress++);
  vad.on('speech_started', (e) => out.events.push({ type: 'speech_started', at: e.at }));
  // A JSON Schema tool: its validator is not in the core bundle; it loads on demand (the
  // IIFE imports the ES build's json-schema.js from beside itself).
  const tool = Earshot.functionTool({
    name: 'book',
    description: 'Books a table',
    parameters: { type: 'object', properties: { people: { type: 'integer', minimum: 1 } }, required: ['people'] },
    execute: () => 'ok',
  });
  await tool.ready;
  out.parsed = [await tool.parse('{"people": 2}'), await tool.parse('{"people": 0}')];
  try {
    // Load the VAD while the engine starts, and open the mic once it is ready (as
    // AgentSession does), so the VAD hears the fixture live, not after a slow model load.
    const loaded = vad.preload();
    await engine.start({ beforeMic: loaded });
    await loaded;
    await new Promise((resolve, reject) => {
      vad.on('speech_ended', (e) => {
        out.events.push({ type: 'speech_ended', at: e.at, audioSec: e.audio.length / 16000 });
        resolve();
      });
      vad.on('error', (e) => reject(e.error));
      vad.start(engine).then(() => setTimeout(() => reject(new Error('no speech_ended within 15 s of the VAD starting')), 15000), reject);
    });
    return out;
  } finally {
    vad.close();
    engine.close();
  }
}

// A handover and a recording after start (Playwright's dist.spec; the engines runner counts
// mic opens and calls run() only): their code is not in the core bundle either (loaded on
// first use; the IIFE imports the ES build's extras.js from beside itself).
async function handoverAfterStart(Earshot) {
  const quiet = { label: 'quiet', sampleRate: 24000, async *synthesize() {}, async transcribe() { return ''; }, async *chat() {} };
  const session = new Earshot.AgentSession(new Earshot.Agent({ name: 'front', instructions: 'Front desk.' }), new Earshot.Pipeline({ stt: quiet, llm: quiet, tts: quiet }));
  const changes = [];
  session.on('agent_changed', (e) => changes.push(`${e.previous.name}->${e.agent.name}:${e.context}`));
  session.on('error', (e) => changes.push(`error ${e.error.code}`));
  try {
    await session.start();
    await session.updateAgent(new Earshot.Agent({ name: 'billing', instructions: 'Billing.' }), { context: 'none' });
    // A recording: its module loads on first use too (the IIFE imports the ES build's
    // extras.js from beside itself); its errors are the page's own classes.
    const badOptions = await session.startRecording({ maxSeconds: 0 }).then(() => 'started', (e) => e instanceof Earshot.ConfigError);
    await session.startRecording();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rec = await session.stopRecording();
    const recording = { mimeType: rec.mimeType, channels: rec.channels.length, audible: rec.durationSec > 0.1, json: Object.keys(JSON.parse(rec.transcriptJson)), badOptions };
    return { agent: session.agent.name, changes, recording };
  } finally {
    await session.close();
  }
}

// The test calls run(): with the global of the <script> build, or the ES module's exports.
window.run = () => runEarshot(window.EarshotESM ?? window.Earshot);
window.runHandover = () => handoverAfterStart(window.EarshotESM ?? window.Earshot);
