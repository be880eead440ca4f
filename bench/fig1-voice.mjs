// Figures 1, 2 (long tasks) and 4: a conversation of short questions from the fake mic.
// Voice-to-voice on the AudioContext's frame clock, from the fixture's true speech end
// (aligned by envelope correlation) to the first sample of the answer leaving the mixer;
// the stages in between from the SDK's events and Resource Timing of its fetches.
import { alignFixture, clockMap, loadFixture } from './lib/fixture.mjs';
import { control, launch, openPage, warmTts } from './lib/env.mjs';
import { summary } from './lib/stats.mjs';

export const DELAYS = { sttMs: 50, llmMs: 150, ttsMs: 80 };
const ANSWER = 'Ten thirty.';
const FIXTURE = 'bench-questions';

export async function runVoice({ quick, log }) {
  const fixture = loadFixture(FIXTURE);
  const turns = quick ? 6 : fixture.speech.length;
  await warmTts([ANSWER]); // before scripting: a request now would consume a scripted entry
  await control('reset', {});
  // TTS streams at 2x real time; the stand-in's own pauses in SSE streams off: they are not glue.
  await control('config', { ttsBytesPerSecond: 96000, streamPauses: false });
  await control('script', {
    stt: fixture.speech.map((s) => ({ text: s.text, delayMs: DELAYS.sttMs })),
    llm: fixture.speech.map(() => ({ text: ANSWER, delayMs: DELAYS.llmMs })),
    tts: fixture.speech.map(() => ({ delayMs: DELAYS.ttsMs })),
  });
  const browser = await launch(FIXTURE);
  try {
    const page = await openPage(browser, '/bench/pages/bench.html', log);
    const info = await page.evaluate(() => window.B.start({ micTap: true, outTap: true }));
    const lastEnd = fixture.speech[turns - 1].endSec;
    // Until the last question's answer has played (or the audio clock is well past it).
    await page.waitForFunction(
      ({ turns, until }) => {
        const R = window.B.R;
        const answers = R.events.filter((e) => e.name === 'agent_transcript' && e.final).length;
        return answers >= turns || (R.clock.length && R.clock.at(-1)[1] > until);
      },
      { turns, until: info.captureStartFrame / info.sampleRate + lastEnd + 6 },
      { timeout: (lastEnd + 30) * 1000, polling: 250 },
    );
    await page.evaluate(() => window.B.stopRecorders());
    const data = await page.evaluate(() => window.B.data());
    const resources = await page.evaluate(() => window.B.resources());
    // TTS requests made by the TTS audio worker are in its own Resource Timing, on its own time origin.
    for (const w of page.workers().filter((w) => w.url().includes('tts-pipe'))) {
      const origin = await page.evaluate(() => performance.timeOrigin);
      resources.push(...(await w.evaluate((pageOrigin) => {
        const shift = performance.timeOrigin - pageOrigin;
        return performance.getEntriesByType('resource').filter((e) => e.name.includes('/local-ai/v1/'))
          .map((e) => ({ route: new URL(e.name).pathname.replace('/local-ai', ''), start: e.startTime + shift, requestStart: e.requestStart + shift, responseStart: e.responseStart + shift, end: e.responseEnd + shift, serverMs: e.serverTiming?.find((t) => t.name === 'app')?.duration ?? null }));
      }, origin)));
    }
    const longtasks = await page.evaluate(() => window.P.longtasks);
    const voiceStarts = data.mixer.filter((m) => m.type === 'started' && m.bus === 'voice').map((m) => m.frame);
    const sounds = await page.evaluate((frames) => window.B.firstSound(frames), voiceStarts);
    await page.evaluate(() => window.B.session.close());
    return analyse({ fixture, turns, info, data, resources, longtasks, voiceStarts, sounds, log });
  } finally {
    await browser.close();
  }
}

function analyse({ fixture, turns, info, data, resources, longtasks, voiceStarts, sounds, log }) {
  const sr = data.sampleRate;
  const ms = (frames) => (frames / sr) * 1000;
  const A = alignFixture(fixture, data.env, sr, data.captureStartFrame);
  const clock = clockMap(data.clock, sr);
  const ev = (name) => data.events.filter((e) => e.name === name);
  const ended = ev('user_speech_ended');
  const transcripts = ev('user_transcript').filter((e) => e.final);
  const metrics = ev('metrics_collected');
  const route = (r) => resources.filter((x) => x.route === r).sort((a, b) => a.start - b.start);
  const stt = route('/v1/audio/transcriptions');
  const llm = route('/v1/chat/completions');
  const tts = route('/v1/audio/speech');
  const after = (list, t, key = 't') => list.find((x) => x[key] > t);
  const rows = [];
  for (let k = 0; k < turns; k++) {
    const s = fixture.speech[k];
    const truthEnd = A + s.endSec * sr;
    const nextStart = k + 1 < fixture.speech.length ? A + fixture.speech[k + 1].startSec * sr : Infinity;
    const end = ended.find((e) => data.captureStartFrame + e.at * sr >= truthEnd && data.captureStartFrame + e.at * sr < nextStart);
    if (!end) {
      log(`  turn ${k + 1}: no end of speech found`);
      continue;
    }
    const decision = data.captureStartFrame + end.at * sr;
    const start = voiceStarts.find((f) => f > decision && f < nextStart);
    const sound = start === undefined ? null : sounds[voiceStarts.indexOf(start)];
    const commit = end.t;
    const sttR = after(stt, commit, 'start');
    const tr = after(transcripts, commit);
    const llmR = tr && after(llm, tr.t - 1, 'start');
    const ttsR = llmR && after(tts, llmR.start, 'start');
    const m = after(metrics, commit);
    if (start === undefined || !sttR || !tr || !llmR || !ttsR) {
      log(`  turn ${k + 1}: incomplete (start ${start}, stt ${!!sttR}, transcript ${!!tr}, llm ${!!llmR}, tts ${!!ttsR})`);
      continue;
    }
    const startT = clock.toMs(start);
    const totalMs = ms(start - truthEnd);
    const endpointMs = ms(decision - truthEnd);
    const split = {
      endpointMs, // true speech end -> the VAD's end-of-turn frame (audio clock)
      toMainMs: commit - clock.toMs(decision), // worker -> main thread, turn committed
      toSttRequestMs: sttR.start - commit,
      sttMs: sttR.responseStart - sttR.start,
      sttReadMs: tr.t - sttR.responseStart,
      toLlmRequestMs: llmR.start - tr.t,
      llmFirstByteMs: llmR.responseStart - llmR.start,
      llmStreamMs: llmR.end - llmR.responseStart,
      toTtsRequestMs: ttsR.start - llmR.end,
      ttsFirstByteMs: ttsR.responseStart - ttsR.start,
      toMixerMs: startT - ttsR.responseStart,
    };
    // committed → STT request, in two: to the SDK's fetch() call (the page's wrapper) and
    // from it to the request's Resource Timing start (the browser's own part).
    const sttCall = data.fetches.find((f) => f.url.includes('/audio/transcriptions') && f.t >= commit - 0.001 && f.t <= sttR.start + 0.001);
    const sttParts = sttCall ? { toFetchCallMs: sttCall.t - commit, fetchCallToRequestMs: sttR.start - sttCall.t } : null;
    const configured = DELAYS.sttMs + DELAYS.llmMs + DELAYS.ttsMs;
    if (split.sttMs < DELAYS.sttMs - 1 || split.llmFirstByteMs < DELAYS.llmMs - 1 || split.ttsFirstByteMs < DELAYS.ttsMs - 1) {
      log(`  turn ${k + 1}: a request ran without its scripted delay (script out of step): excluded`);
      continue;
    }
    rows.push({
      turn: k + 1,
      commitT: commit,
      totalMs,
      glueMs: totalMs - endpointMs - configured,
      commitLagMs: ms(clock.toFrame(commit) - truthEnd),
      decisionLagMs: endpointMs,
      split,
      sttParts,
      inPageMs: split.toMainMs + split.toSttRequestMs + split.sttReadMs + split.toLlmRequestMs + split.toTtsRequestMs + split.toMixerMs,
      networkMs: split.sttMs - DELAYS.sttMs + split.llmFirstByteMs - DELAYS.llmMs + split.llmStreamMs + split.ttsFirstByteMs - DELAYS.ttsMs,
      // The stand-in's own time beyond its scripted delays (its Server-Timing: parsing the
      // upload, its timers' lateness on a busy machine): neither the SDK's nor the network's.
      standInMs: [sttR, llmR, ttsR].every((r) => r.serverMs != null) ? sttR.serverMs - DELAYS.sttMs + llmR.serverMs - DELAYS.llmMs + ttsR.serverMs - DELAYS.ttsMs : null,
      leadSilenceMs: sound == null ? null : ms(sound - start),
      sdk: m?.turn ?? null,
      sdkMinusOursMs: m ? m.turn.voiceToVoiceMs - totalMs : null,
    });
  }
  const col = (f) => rows.map(f);
  const splitKeys = rows[0] ? Object.keys(rows[0].split) : [];
  const t0 = data.events.find((e) => e.name === 'agent_state_changed' && e.state === 'idle')?.t ?? 0;
  const conversation = longtasks.filter((l) => l.start >= t0);
  // diagnostics
  const cts = data.clock.map((c) => c[1]);
  const steps = [];
  for (let i = 1; i < cts.length; i++) if (cts[i] !== cts[i - 1]) steps.push((cts[i] - cts[i - 1]) * 1000);
  const arr = data.arrivals ?? [];
  const offs = arr.map(([t, f]) => t - (f / sr) * 1000).sort((a, b) => a - b);
  const diag = { ctStepMs: summary(steps, 2), arrivalOffsetSpreadMs: offs.length ? [offs[0], offs[Math.floor(offs.length * 0.05)], offs[Math.floor(offs.length / 2)], offs.at(-1)].map((x) => Number((x - offs[0]).toFixed(2))) : null,
    clockVsArrivalMs: offs.length ? Number((clock.toMs(0) - offs[Math.floor(offs.length * 0.05)]).toFixed(2)) : null,
    fetchVsResourceMs: summary(resources.map((r) => { const f = data.fetches.filter((x) => x.t <= r.start + 0.001).at(-1); return f ? r.start - f.t : NaN; }), 2) };
  return {
    diag,
    fixture: FIXTURE,
    turnsPlanned: turns,
    turnsMeasured: rows.length,
    configuredDelays: DELAYS,
    alignment: { fixtureOffsetMs: Number(ms(A - data.captureStartFrame).toFixed(2)), clockResidualP95Ms: Number(clock.residualP95Ms.toFixed(2)) },
    sampleRate: sr,
    voiceToVoiceMs: summary(col((r) => r.totalMs)),
    glueMs: summary(col((r) => r.glueMs)),
    glueInPageMs: summary(col((r) => r.inPageMs)),
    glueNetworkAndServerMs: summary(col((r) => r.networkMs)),
    glueStandInMs: summary(col((r) => r.standInMs ?? NaN)),
    glueWithoutStandInMs: summary(col((r) => (r.standInMs == null ? NaN : r.glueMs - r.standInMs))),
    split: Object.fromEntries(splitKeys.map((k) => [k, summary(col((r) => r.split[k]))])),
    sttRequestParts: { toFetchCallMs: summary(col((r) => r.sttParts?.toFetchCallMs ?? NaN)), fetchCallToRequestMs: summary(col((r) => r.sttParts?.fetchCallToRequestMs ?? NaN)) },
    ttsLeadSilenceMs: summary(col((r) => r.leadSilenceMs)),
    sdkReported: {
      voiceToVoiceMs: summary(col((r) => r.sdk?.voiceToVoiceMs)),
      glueMs: summary(col((r) => r.sdk?.glueMs)),
      minusIndependentMs: summary(col((r) => r.sdkMinusOursMs)),
    },
    endpointing: {
      redemptionMs: data.options.redemptionMs,
      commitLagMs: summary(col((r) => r.commitLagMs - data.options.redemptionMs)),
      vadDecisionLagMs: summary(col((r) => r.decisionLagMs - data.options.redemptionMs)),
    },
    vadInferenceMs: summary(data.vadMs, 2),
    longTasks: { count: conversation.length, atTurn: conversation.map((l) => rows.filter((r) => r.commitT <= l.start).length), maxMs: conversation.length ? Math.max(...conversation.map((l) => l.duration)) : 0, durationsMs: conversation.map((l) => Math.round(l.duration)), windowSec: Number((((data.clock.at(-1)?.[0] ?? t0) - t0) / 1000).toFixed(1)) },
    underruns: data.underruns,
    errors: data.events.filter((e) => e.name === 'error').map((e) => `${e.source}: ${e.message}`),
    turns: rows,
  };
}
