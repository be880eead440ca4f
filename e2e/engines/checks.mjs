// Assertions of the cross-engine runner, on the JSON the page tests return. Slack per
// engine: audio time is counted in frames, so positions are exact in every engine; the
// slack covers the VAD's frame grid and each engine's MediaStream path (Firefox's mock
// audio clock also runs behind real time under load: shared/notes/cross-browser.md).
import assert from 'node:assert/strict';
import { endError, receivedSpeech } from '../support/received-speech.mjs';

/**
 * Allowed error of VAD onset / end (ms) against the speech in the audio the VAD received,
 * per engine. Chromium's Playwright spec uses 100 / 96.
 */
export const SLACK_MS = { firefox: { onset: 100, end: 100 }, webkit: { onset: 100, end: 100 } };

/**
 * Allowed error of the dist pages' onset against the file (ms), as dist.spec.ts: those pages
 * check the bundle finds the speech; the VAD's precision is checkVad's.
 */
const DIST_ONSET_MS = 300;

const EXPORTS = ['AudioEngine', 'SileroVAD', 'EarshotError', 'loadAudioFile', 'Agent', 'AgentSession', 'Pipeline', 'functionTool', 'OpenAILLM', 'OpenAISTT', 'OpenAITTS'];

export function checkDist(engine, out, fx, distBase) {
  const speech = fx.speech[0];
  assert.equal(out.assetBase, `${distBase}earshot/runtime/`);
  for (const name of EXPORTS) assert.ok(out.exports.includes(name), `export ${name} missing`);
  assert.ok(out.progress > 0, 'no vad_load_progress');
  assert.equal(out.opens, 1, 'the fake mic was not what getUserMedia returned');
  const started = out.events.find((e) => e.type === 'speech_started');
  const ended = out.events.find((e) => e.type === 'speech_ended');
  assert.ok(started && ended, `events: ${JSON.stringify(out.events)}`);
  const onsetMs = (started.at - speech.startSec) * 1000;
  assert.ok(Math.abs(onsetMs) <= DIST_ONSET_MS, `onset off by ${onsetMs.toFixed(0)} ms`);
  assert.ok(ended.audioSec > speech.endSec - speech.startSec, `utterance ${ended.audioSec} s is shorter than the speech`);
  return `onset ${onsetMs.toFixed(0)} ms`;
}

export function checkVad(engine, run, fx) {
  const speech = fx.speech[0];
  const started = run.events.filter((e) => e.name === 'speech_started').map((e) => e.payload);
  const ended = run.events.filter((e) => e.name === 'speech_ended').map((e) => e.payload);
  assert.deepEqual(run.events.filter((e) => e.name === 'error'), []);
  assert.equal(started.length, 1, `speech_started: ${JSON.stringify(started)}`);
  assert.equal(ended.length, 1, `speech_ended: ${JSON.stringify(ended)}`);
  assert.equal(run.opens, 1);
  const heard = receivedSpeech(run.received, speech);
  const path = `the mic path moved the speech ${heard.shiftMs.start.toFixed(0)} / ${heard.shiftMs.end.toFixed(0)} ms`;
  const onsetMs = (started[0].at - heard.startSec) * 1000;
  const end = endError(ended[0].at - run.redemptionMs / 1000, heard);
  assert.ok(Math.abs(onsetMs) <= SLACK_MS[engine].onset, `onset off by ${onsetMs.toFixed(0)} ms (${path})`);
  assert.ok(Math.abs(end.ms) <= SLACK_MS[engine].end, `end off by ${end.ms.toFixed(0)} ms from the ${end.from} (${path})`);
  // The utterance's audio (16 kHz) spans the speech received.
  assert.ok(ended[0].audio.length / 16000 > heard.endSec - heard.startSec);
  assert.ok(run.frames > (speech.endSec + 1) * 31, `only ${run.frames} frames`);
  return `onset ${onsetMs.toFixed(0)} ms, end ${end.ms.toFixed(0)} ms from the ${end.from} (${path}), ${run.frames} frames at ${run.sampleRate} Hz, VAD load ${run.loadMs.toFixed(0)} ms`;
}

/**
 * What a real getUserMedia fails with in each runner's set-up: WebKit has no capture device
 * and rejects with an OverconstrainedError "Invalid constraint" (not NotFoundError);
 * Firefox's mic is blocked by a pref (its mock audio backend always has an input).
 */
export const MIC_ERROR = {
  firefox: { test: 'blocked microphone → mic-permission-denied', code: 'mic-permission-denied', cause: 'NotAllowedError' },
  webkit: { test: 'no capture device → mic-not-found', code: 'mic-not-found', cause: 'OverconstrainedError' },
};

export function checkMicError(engine, r) {
  assert.deepEqual(
    { ok: r.ok, name: r.name, code: r.code, isMic: r.isMic, causeName: r.causeName },
    { ok: false, name: 'MicrophoneError', code: MIC_ERROR[engine].code, isMic: true, causeName: MIC_ERROR[engine].cause },
  );
  return `cause ${r.causeName}: ${r.causeMessage}`;
}

export function checkConversation(engine, r) {
  assert.deepEqual(r.history, [
    'user: What time is it?',
    'call get_time({})',
    'output {"time":"10:30"}',
    'assistant: Ten thirty.',
    'user: Thank you, goodbye.',
    'assistant: Goodbye!',
  ]);
  const names = (n) => r.events.filter((e) => e.name === n);
  assert.deepEqual(names('error'), []);
  assert.deepEqual(
    names('agent_state_changed').map((e) => e.payload.state),
    ['starting', 'idle', 'listening', 'thinking', 'speaking', 'idle', 'listening', 'thinking', 'speaking', 'idle'],
  );
  const order = ['user_speech_started', 'user_speech_ended', 'user_transcript', 'tool_call_started', 'tool_call_finished', 'agent_transcript'];
  assert.deepEqual(
    r.events.filter((e) => order.includes(e.name)).map((e) => e.name),
    [...order, 'user_speech_started', 'user_speech_ended', 'user_transcript', 'agent_transcript'],
  );
  // The replies were really rendered (espeak-ng speech through the mixer).
  assert.ok(r.outputRms > 0.005, `output rms ${r.outputRms}`);
  assert.equal(names('metrics_collected').length, 2);
  return `output rms ${r.outputRms.toFixed(3)}`;
}

export function checkScriptedBargeIn(engine, r, fx) {
  assert.equal(r.cut.reason, 'barge_in');
  assert.deepEqual(r.history.map((i) => i.role), ['user', 'assistant', 'user', 'assistant']);
  assert.equal(r.history[0].content, 'Tell me a story.');
  assert.equal(r.history[2].content, 'Stop.');
  assert.deepEqual(r.history[3], { role: 'assistant', content: 'Sure.', interrupted: false });
  const cut = r.history[1];
  assert.equal(cut.interrupted, true);
  assert.equal(cut.content, r.cut.heardText);
  // Heard text: a word-boundary prefix of the story, as long as the tone that played
  // (60 ms per character) from the agent's first audio to the user's interruption.
  assert.ok('Once upon a time there was a very long story'.startsWith(cut.content.slice(0, 20)), cut.content);
  const at = (name, pred = () => true) => r.events.find((e) => e.name === name && pred(e.payload))?.t;
  const spokeMs = at('turn_interrupted') - at('agent_state_changed', (p) => p.state === 'speaking');
  const expectedChars = spokeMs / 60;
  assert.ok(cut.content.length > 0.4 * expectedChars && cut.content.length < 1.3 * expectedChars + 10, `heard ${cut.content.length} chars in ${spokeMs.toFixed(0)} ms of speech`);
  // Each utterance went to STT once, with at least its speech.
  assert.equal(r.sttRequests.length, 2);
  r.sttRequests.forEach((q, i) => assert.ok(q.audioSec > fx.speech[i].endSec - fx.speech[i].startSec, `stt #${i}: ${q.audioSec} s`));
  assert.ok(r.events.some((e) => e.name === 'interruption_suspected'));
  return `heard ${cut.content.length} chars in ${(spokeMs / 1000).toFixed(1)} s`;
}
