// The barge-in level/echo matrix, one cell at a time in one page (window.M.runCell): a
// fresh AgentSession per cell (the echo path is learned anew; the VAD worker stays warm),
// the agent's voice at a set level (the local server's `ttsLevelDb`), its echo fed back
// into the capture input (output → delay → gain, beside the mic), and the user's voice
// played into the same input at a set level and a known context time. The mic itself is a
// page-side fake of low noise. Every time is audio time (context frames), never wall clock.
// Used by e2e/barge-in-matrix.spec.ts (behaviour) and bench/fig3-barge-in.mjs (timing).
import * as Core from '/src/index.ts';
import * as OpenAI from '/src/openai/index.ts';
import * as Testing from '/src/testing/index.ts';

const E = { ...Core, ...OpenAI, ...Testing };
window.E = E;

const BASE = `${location.origin}/local-ai/v1`;
const KEY = 'sk-local-test-key';
/** Plain sentences (no commas): each goes to TTS as one segment. */
export const STORY = [
  'Once upon a time there was a small robot who lived in a lighthouse.',
  'Every night it polished the great lamp until it shone like the sun.',
  'Ships far away saw the light and found their way home safely.',
];
const EVENTS = ['user_speech_started', 'user_speech_ended', 'user_transcript', 'agent_transcript', 'interruption_suspected', 'interruption_cancelled', 'turn_interrupted', 'error'];
const dbToGain = (db) => 10 ** (db / 20);

/** RMS of the 10 ms windows within 30 dB of the loudest: a voice's level, its pauses left out. */
function speechRms(samples, sampleRate) {
  const win = Math.round(sampleRate / 100);
  const powers = [];
  for (let i = 0; i + win <= samples.length; i += win) {
    let sum = 0;
    for (let k = i; k < i + win; k++) sum += samples[k] * samples[k];
    powers.push(sum / win);
  }
  const loudest = Math.max(0, ...powers);
  const speech = powers.filter((p) => p > 0 && p >= loudest * 1e-3);
  return { rms: Math.sqrt(speech.reduce((a, b) => a + b, 0) / Math.max(1, speech.length)), firstWindow: powers.findIndex((p) => p > 0 && p >= loudest * 1e-3), win };
}

const clips = new Map();
/**
 * The user's words: the first `seconds` of a fixture's speech, normalised to 0 dBFS speech
 * RMS. "My sister is coming over…" is voiced throughout its first 700 ms: Silero drops
 * below its threshold in the stop before "quick" of "The quick brown fox", which releases
 * a suspicion for the VAD's sake, not the gate's (the release is figure 3's to report).
 */
async function loadUser(seconds, name = 'utt-en-029') {
  const key = `${name}/${seconds}`;
  if (clips.has(key)) return clips.get(key);
  const mic = await E.createFakeMicrophone(`/e2e/fixtures/generated/${name}.wav`);
  const info = await (await fetch(`/e2e/fixtures/generated/${name}.json`)).json();
  const sr = mic.sampleRate;
  const from = Math.round(info.speech[0].startSec * sr);
  const samples = mic.samples.slice(from, from + Math.round(seconds * sr));
  const { rms, firstWindow, win } = speechRms(samples, sr);
  for (let i = 0; i < samples.length; i++) samples[i] /= rms;
  const clip = { seconds, samples, sampleRate: sr, leadSec: (firstWindow * win) / sr };
  clips.set(key, clip);
  return clip;
}

/** Two seconds of white noise at `db` dBFS RMS, looped: the mic's own floor. */
function noise(db, sampleRate = 48000) {
  let seed = 0x5eed;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const samples = new Float32Array(2 * sampleRate);
  const g = dbToGain(db) * Math.sqrt(3); // uniform noise: RMS = amplitude / √3
  for (let i = 0; i < samples.length; i++) samples[i] = g * rnd();
  return { samples, sampleRate };
}

async function control(path, body) {
  const res = await fetch(`/local-ai/__control/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${path}: HTTP ${res.status}`);
}

function waitFor(test, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const id = setInterval(() => {
      if (test() || performance.now() - t0 > timeoutMs) {
        clearInterval(id);
        resolve(test());
      }
    }, 50);
  });
}

/**
 * Runs one cell. `userDb` null: echo only (the agent must not interrupt itself nor answer
 * its echo). `echoDb` null: no echo (headphones). Levels in dBFS of speech RMS; `echoDb`
 * relative to the agent's output. `userAtSec`: the user's first sound, after the agent's;
 * `sentences`: how much of the story the agent tells (3: about 11.5 s). `script` false: the
 * local server's STT and LLM queues are left alone; `waitTranscript` false: the cell ends
 * once the agent is stopped (the bench, which only times the stop). `clip`: another
 * fixture for the user's words.
 */
async function runCell(cell) {
  const { userDb = null, agentDb = -15, echoDb = null, delayMs = 80, userAtSec = 3, userSec = 1.2, noiseDb = -70, interrupt, trace = false, sentences = STORY.length, script = true, waitTranscript = true, clip: clipName } = cell;
  await control('config', { ttsBytesPerSecond: 96000, ttsLevelDb: agentDb }); // TTS at 2x real time: still streaming when cut
  // Cells run side by side (the bench) leave the queues alone: the server's defaults answer.
  if (script) await control('script', { stt: [{ text: 'Stop, please.' }], llm: [{ text: 'Okay.' }] });
  const clip = await loadUser(userSec, clipName);
  const mic = await E.createFakeMicrophone(noise(noiseDb), { loop: true });
  const pipeline = new E.Pipeline({
    stt: new E.OpenAISTT({ baseURL: BASE, apiKey: KEY }),
    llm: new E.OpenAILLM({ baseURL: BASE, apiKey: KEY, model: 'local-test' }),
    tts: new E.OpenAITTS({ baseURL: BASE, apiKey: KEY }),
    audio: { microphone: { getStream: mic.getStream } },
    ...(interrupt ? { interrupt } : {}),
  });
  const session = new E.AgentSession(new E.Agent({ instructions: 'You are a terse voice assistant.' }), pipeline);
  const events = [];
  for (const n of EVENTS) session.on(n, (p) => events.push({ name: n, at: p.at, reason: p.reason, text: p.text, message: p.error?.message }));
  const mixer = [];
  const levels = [];
  /**
   * `trace`: what the echo gate saw, for a replay in Node: output reports [at, rms], VAD
   * frames [at, p, rms, the latest output report's time when the frame arrived], input
   * level report times (they drift from capture time if the capture loses quanta).
   */
  const outTrace = [];
  const vadTrace = [];
  /** The VAD's speech frames (p ≥ its threshold), audio time: the VAD's share of a late duck. */
  const speechFrames = [];
  pipeline.vad.on('vad_frame', (e) => {
    if (trace) vadTrace.push([e.at, e.probability, e.rms, outTrace.at(-1)?.[0] ?? -1]);
    if (e.probability >= pipeline.vad.options.positiveSpeechThreshold) speechFrames.push(e.at);
  });
  try {
    await session.pipeline.vad.preload(); // heard live from the fixture's first frame
    await session.start();
    const engine = session.audio;
    const ctx = engine.context;
    const sr = ctx.sampleRate;
    engine.on('mixer_event', (e) => e.type !== 'status' && mixer.push({ type: e.type, bus: e.bus, id: e.id, frame: e.frame, reason: e.reason }));
    const inTrace = [];
    if (trace) engine.on('input_level_measured', (e) => inTrace.push(e.at));
    engine.on('output_level_measured', (e) => {
      levels.push(e.rms);
      if (trace) outTrace.push([e.at, e.rms]);
    });
    const captureOffset = (await engine.captureStartFrame) / sr;
    if (echoDb !== null) {
      const delay = new DelayNode(ctx, { delayTime: delayMs / 1000, maxDelayTime: 1 });
      engine.mixer.node.connect(delay).connect(new GainNode(ctx, { gain: dbToGain(echoDb) })).connect(engine.inputNode);
    }
    const story = STORY.slice(0, sentences).join(' ');
    const handle = session.say(story);
    const voiceStart = () => mixer.find((m) => m.type === 'started' && m.bus === 'voice');
    if (!(await waitFor(voiceStart, 15_000))) throw new Error('the agent never spoke');
    const agentStart = voiceStart().frame / sr;
    let onset = null;
    if (userDb !== null) {
      const buffer = ctx.createBuffer(1, clip.samples.length, clip.sampleRate);
      buffer.getChannelData(0).set(clip.samples);
      const src = new AudioBufferSourceNode(ctx, { buffer });
      src.connect(new GainNode(ctx, { gain: dbToGain(userDb) })).connect(engine.inputNode);
      src.start(agentStart + userAtSec - clip.leadSec);
      onset = agentStart + userAtSec;
      await waitFor(() => events.some((e) => e.name === 'turn_interrupted'), (userAtSec + 3) * 1000);
      // The user's turn: their words transcribed once they stop.
      if (waitTranscript) await waitFor(() => events.some((e) => e.name === 'user_transcript'), 5000);
    } else {
      await waitFor(() => handle.done, 30_000);
      await new Promise((r) => setTimeout(r, 1500)); // the echo's last words must not become a turn either
    }
    const ctxTime = (at) => at + captureOffset;
    const after = (e) => onset !== null && ctxTime(e.at) >= onset - 0.1;
    const suspected = events.filter((e) => e.name === 'interruption_suspected');
    const duck = suspected.find(after);
    const vadSpeech = speechFrames.find((at) => onset !== null && ctxTime(at) >= onset);
    const ended = mixer.filter((m) => m.type === 'ended' && m.bus === 'voice');
    const stopped = ended.find((m) => m.reason === 'stopped' && onset !== null && m.frame / sr >= onset);
    const history = session.getContextHistory().map((i) => ({ role: i.role, content: i.content, interrupted: i.interrupted }));
    const out = levels.filter((r) => r > 0.003);
    return {
      cell: { userDb, agentDb, echoDb, delayMs },
      sampleRate: sr,
      interrupted: events.some((e) => e.name === 'turn_interrupted'),
      interruptReason: events.find((e) => e.name === 'turn_interrupted')?.reason ?? null,
      suspected: suspected.length,
      cancelled: events.filter((e) => e.name === 'interruption_cancelled').length,
      duckMs: duck ? (ctxTime(duck.at) - onset) * 1000 : null,
      vadMs: vadSpeech === undefined ? null : (ctxTime(vadSpeech) - onset) * 1000,
      stoppedMs: stopped ? (stopped.frame / sr - onset) * 1000 : null,
      /** Speech frames before the user's onset (or in an echo-only run) that ducked the agent. */
      earlySuspicions: suspected.filter((e) => onset === null || ctxTime(e.at) < onset - 0.1).length,
      userTranscripts: events.filter((e) => e.name === 'user_transcript').map((e) => e.text),
      story,
      history,
      outputDb: out.length ? 20 * Math.log10(Math.sqrt(out.reduce((a, r) => a + r * r, 0) / out.length)) : null,
      errors: events.filter((e) => e.name === 'error').map((e) => e.message),
      ...(trace ? { trace: { captureOffset, onset, agentStart, out: outTrace, vad: vadTrace, input: inTrace, events } } : {}),
    };
  } finally {
    await session.close();
    await mic.dispose();
  }
}

/** Loads the VAD once so the first cell does not pay for it. */
async function warm() {
  await new E.SileroVAD().preload();
}

window.M = { runCell, warm, STORY };
window.M.ready = true;
window.benchReady = true; // bench/lib/env.mjs openPage()
