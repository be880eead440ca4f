// Figure 8: voice to voice under a realistic cloud profile (issue 8), the sequential path
// and turn-taking v2 side by side in one run, on the same fixture and the same provider
// delays: STT 250 ms (batch: per request; streaming: Deepgram endpointing 250 ms after the
// audio ends), LLM first token 400 ms, TTS first byte 250 ms.
//   sequential: VAD endpoint (560 ms of silence) → upload → transcribe → LLM → TTS
//   v2: streaming STT (frames up while the user speaks), the provider's end of turn, and
//       preemptive generation (LLM and first-sentence TTS started at ~200 ms of silence)
// Voice to voice is on the AudioContext's frame clock: from the fixture's true speech end
// (aligned by envelope correlation) to the first sample of the answer leaving the mixer.
import { alignFixture, loadFixture } from './lib/fixture.mjs';
import { control, launch, openPage, warmTts } from './lib/env.mjs';
import { summary } from './lib/stats.mjs';

export const PROFILE = { sttMs: 250, llmMs: 400, ttsMs: 250 };
const ANSWER = 'Ten thirty.';
const FIXTURE = 'bench-questions';

export async function runProfile({ quick, log }) {
  const out = { profile: PROFILE, fixture: FIXTURE };
  for (const mode of ['sequential', 'v2']) out[mode] = await runMode(mode, quick ? 6 : 12, log);
  return out;
}

async function runMode(mode, turns, log) {
  const fixture = loadFixture(FIXTURE);
  await warmTts([ANSWER]);
  await control('reset', {});
  await control('config', { ttsBytesPerSecond: 96000, streamPauses: false });
  const v2 = mode === 'v2';
  await control('script', {
    ...(v2
      ? // A stream may stay open across several questions, and the local recognizer reveals a
        // scripted word per 100 ms of voice (more words than spoken): each connection's script
        // is the question many times over, so it never runs dry and every turn has words.
        { listen: fixture.speech.map((s) => ({ text: Array(40).fill(s.text).join(' '), wordMs: 100 })) }
      : { stt: fixture.speech.map((s) => ({ text: s.text, delayMs: PROFILE.sttMs })) }),
    // v2 asks twice for a turn whose held answer missed: enough entries for both.
    llm: [...fixture.speech, ...fixture.speech].map(() => ({ text: ANSWER, delayMs: PROFILE.llmMs })),
    tts: [...fixture.speech, ...fixture.speech].map(() => ({ delayMs: PROFILE.ttsMs })),
  });
  const browser = await launch(FIXTURE);
  try {
    const page = await openPage(browser, '/bench/pages/bench.html', log);
    const options = v2
      ? { micTap: true, deepgram: { endpointingMs: PROFILE.sttMs }, pipeline: { eou: { endpointing: 'stt' } } }
      : { micTap: true, pipeline: { preemptiveGeneration: false } };
    const info = await page.evaluate((o) => window.B.start(o), options);
    const lastEnd = fixture.speech[turns - 1].endSec;
    await page.waitForFunction(
      ({ turns, until }) => {
        const R = window.B.R;
        return R.events.filter((e) => e.name === 'agent_transcript' && e.final && e.text).length >= turns || (R.clock.length && R.clock.at(-1)[1] > until);
      },
      { turns, until: info.captureStartFrame / info.sampleRate + lastEnd + 6 },
      { timeout: (lastEnd + 30) * 1000, polling: 250 },
    );
    await page.evaluate(() => window.B.stopRecorders());
    const data = await page.evaluate(() => window.B.data());
    await page.evaluate(() => window.B.session.close());
    const sr = data.sampleRate;
    const A = alignFixture(fixture, data.env, sr, data.captureStartFrame);
    const starts = data.mixer.filter((m) => m.type === 'started' && m.bus === 'voice').map((m) => m.frame);
    const v2v = [];
    for (let k = 0; k < turns; k++) {
      const end = A + fixture.speech[k].endSec * sr;
      const next = k + 1 < fixture.speech.length ? A + fixture.speech[k + 1].startSec * sr : Infinity;
      const start = starts.find((f) => f > end && f < next);
      if (start === undefined) log(`  ${mode} turn ${k + 1}: no answer before the next question`);
      else v2v.push(((start - end) / sr) * 1000);
    }
    const metrics = data.events.filter((e) => e.name === 'metrics_collected').map((e) => e.turn);
    return {
      turnsPlanned: turns,
      turnsMeasured: v2v.length,
      voiceToVoiceMs: summary(v2v),
      preemptiveHits: metrics.filter((m) => m.preemptive).length,
      sdkEndpointMs: summary(metrics.map((m) => m.endpointMs)),
      errors: data.events.filter((e) => e.name === 'error').map((e) => `${e.source}: ${e.message}`),
    };
  } finally {
    await browser.close();
  }
}
