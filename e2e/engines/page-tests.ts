// Page side of the cross-engine runner (e2e/engines/run.mjs): each test runs in the page,
// from src/ through the Vite dev server, and returns plain JSON for the runner to assert.
// The mic is earshot/testing's fake microphone: the engines' own fake devices differ.
import * as Core from '../../src/index';
import * as Dsp from '../../src/dsp/index';
import * as OpenAI from '../../src/openai/index';
import * as T from '../../src/testing/index';

const E = { ...Core, ...Dsp, ...OpenAI };

const FIXTURES = '/e2e/fixtures/generated/';

/** Resolves after `ms`. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VAD on a fixture, through AudioEngine's `microphone.getStream` option (one clock for mic and capture). */
async function vad(fixture: string, untilAudioSec: number) {
  const mic = await T.createFakeMicrophone(`${FIXTURES}${fixture}.wav`);
  const engine = new E.AudioEngine({ microphone: { getStream: mic.getStream } });
  const vad = new E.SileroVAD();
  const log = T.recordEvents(vad, ['speech_started', 'speech_ended', 'speech_misfired', 'error']);
  const input = T.recordVadInput(vad);
  let frames = 0;
  let lastAt = -1;
  vad.on('vad_frame', (f) => ((frames++, (lastAt = f.at))));
  try {
    await engine.start();
    const t0 = performance.now();
    await vad.start(engine); // frames captured meanwhile are queued in the worker, none lost
    const loadMs = performance.now() - t0;
    await T.waitForEvent(vad, 'vad_frame', (f: { at: number }) => f.at >= untilAudioSec, 30_000).catch((err: Error) => {
      throw new Error(`${err.message} (${frames} frames, last at ${lastAt.toFixed(2)} s audio time, context ${engine.context.state}, VAD load ${loadMs.toFixed(0)} ms)`);
    });
    // The VAD's input as 16-bit integers: the runner finds the speech in it (e2e/support/received-speech.mjs).
    const received = Array.from(input.samples(), (v) => Math.round(v * 32767));
    return { events: log.toJSON(), frames, loadMs, redemptionMs: vad.options.redemptionMs, sampleRate: engine.context.sampleRate, opens: mic.opens, received };
  } finally {
    vad.close();
    await engine.close();
    await mic.dispose();
  }
}

/** `AudioEngine.start()` with the engine's real getUserMedia and no capture device. */
async function micError() {
  const engine = new E.AudioEngine();
  try {
    await engine.start();
    return { ok: true };
  } catch (err) {
    const e = err as Core.EarshotError & { cause?: { name?: string; message?: string } };
    return { ok: false, name: e.name, code: e.code, isMic: e instanceof E.MicrophoneError, causeName: e.cause?.name, causeMessage: e.cause?.message };
  }
}

/** Controls the local provider server that Vite mounts at /local-ai. */
async function control(path: string, body: unknown): Promise<void> {
  const res = await fetch(`/local-ai/__control/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${path}: HTTP ${res.status}`);
}

/**
 * The fixture's mono samples with `gapSec` of silence inserted at `atSec`: more room
 * between two turns, so a first reply that is slow on a loaded machine is not barged in.
 */
async function withGap(fixture: string, atSec: number, gapSec: number): Promise<{ samples: Float32Array; sampleRate: number }> {
  const wav = E.decodeWav(await (await fetch(`${FIXTURES}${fixture}.wav`)).arrayBuffer());
  const src = wav.channels[0]!;
  const at = Math.round(atSec * wav.sampleRate);
  const samples = new Float32Array(src.length + Math.round(gapSec * wav.sampleRate));
  samples.set(src.subarray(0, at));
  samples.set(src.subarray(at), at + Math.round(gapSec * wav.sampleRate));
  return { samples, sampleRate: wav.sampleRate };
}

/** A two-turn conversation with a tool call, against the local provider server. */
async function conversation(fixture: string, gap: { atSec: number; gapSec: number }) {
  await control('reset', {});
  await control('script', {
    stt: [{ text: 'What time is it?' }, { text: 'Thank you, goodbye.' }],
    llm: [{ toolCalls: [{ name: 'get_time', arguments: {} }] }, { text: 'Ten thirty.' }, { text: 'Goodbye!' }],
  });
  const mic = await T.createFakeMicrophone(await withGap(fixture, gap.atSec, gap.gapSec));
  const base = `${location.origin}/local-ai/v1`;
  const agent = new E.Agent({
    instructions: 'You are a terse voice assistant.',
    tools: [E.functionTool({ name: 'get_time', description: 'The current time', parameters: { type: 'object', properties: {} }, execute: () => ({ time: '10:30' }) })],
  });
  const session = new E.AgentSession(
    agent,
    new E.Pipeline({
      stt: new E.OpenAISTT({ baseURL: base, apiKey: 'sk-local-test-key' }),
      llm: new E.OpenAILLM({ baseURL: base, apiKey: 'sk-local-test-key', model: 'local-test' }),
      tts: new E.OpenAITTS({ baseURL: base, apiKey: 'sk-local-test-key' }),
      audio: { microphone: { getStream: mic.getStream } },
    }),
  );
  const log = T.recordEvents(session);
  let outSq = 0;
  let outN = 0;
  try {
    await session.start();
    const stopTap = await session.audio.tapOutput((b) => {
      for (const v of b.samples) outSq += v * v;
      outN += b.samples.length;
    });
    await log.waitFor('agent_transcript', (t) => t.final && t.text === 'Goodbye!', 40_000);
    await log.waitFor('agent_state_changed', (c) => c.state === 'idle' && c.reason === 'turn_ended' && log.of('agent_transcript').length >= 2, 5000);
    stopTap();
    const history = session.getContextHistory({ includeFunctionCalls: true }).map((i) =>
      i.type === 'message' ? `${i.role}: ${i.content}` : i.type === 'function_call' ? `call ${i.name}(${i.arguments})` : `output ${i.output}`,
    );
    return { history, events: log.toJSON(), outputRms: Math.sqrt(outSq / Math.max(1, outN)) };
  } finally {
    await session.close();
    await mic.dispose();
  }
}

/**
 * A barge-in with in-page scripted providers (no server): the agent's tone reply is
 * interrupted by the user's second utterance, and the history keeps only what was heard.
 */
async function scriptedBargeIn(fixture: string) {
  const mic = await T.createFakeMicrophone(`${FIXTURES}${fixture}.wav`);
  const llm = new T.ScriptedLLM([{ text: 'Once upon a time there was a very long story that went on and on for a long while. ' + 'And it kept going. '.repeat(12) }, { text: 'Sure.' }]);
  const stt = new T.ScriptedSTT([{ text: 'Tell me a story.' }, { text: 'Stop.' }]);
  // A voice at a realistic level: the echo gate takes mic speech well below the agent's output for its echo.
  const tts = new T.ScriptedTTS({ msPerChar: 60, amplitude: 0.1 });
  const session = new E.AgentSession(new E.Agent({ instructions: 'Tell stories.' }), new E.Pipeline({ stt, llm, tts, audio: { microphone: { getStream: mic.getStream } } }));
  const log = T.recordEvents(session);
  try {
    await session.start();
    const cut = await log.waitFor('turn_interrupted', undefined, 40_000);
    await log.waitFor('agent_transcript', (t) => t.final && t.text === 'Sure.', 20_000);
    await sleep(100);
    const history = session.getContextHistory().map((i) => (i.type === 'message' ? { role: i.role, content: i.content, interrupted: i.interrupted ?? false } : null));
    return { cut, history, events: log.toJSON(), ttsRequests: tts.requests, sttRequests: stt.requests };
  } finally {
    await session.close();
    await mic.dispose();
  }
}

export const tests = { vad, micError, conversation, scriptedBargeIn };
