// Figure 3: barge-in with the default settings. The agent tells a long story (every LLM
// reply is the story); the fixture's user interrupts it eight times, with short
// interjections ("Wait, stop.") and full sentences. From the user's true onset (fixture,
// aligned to the frame clock) to (a) the voice bus at −12 dB and (b) the voice stopped,
// both read from the rendered output against the samples the SDK pushed to the mixer.
import { alignFixture, alignStretch, clockMap, loadFixture } from './lib/fixture.mjs';
import { control, launch, openPage, warmTts } from './lib/env.mjs';
import { summary } from './lib/stats.mjs';

const FIXTURE = 'bench-barge-in';
const STORY = [
  'Once upon a time there was a small robot who lived in a lighthouse.',
  'Every night it polished the great lamp until it shone like the sun.',
  'Ships far away saw the light and found their way home safely.',
];
const DUCKED = 10 ** (-11.5 / 20); // −12 dB, within 0.5 dB
const UNDERLAY_DB = -36;
const SILENT = 0.01; // −40 dB
const GAIN_WINDOW = 64; // frames per voiceGain point (its default `win`); a point is stamped at its window's end

/**
 * `interrupt`: settings other than the defaults (the control run turns the echo gate off);
 * `limit`: only the first interruptions.
 */
export async function runBargeIn({ quick, log, interrupt, limit }) {
  const fixture = loadFixture(FIXTURE);
  const onsets = fixture.speech.slice(1, 1 + (limit ?? (quick ? 2 : Infinity))); // every utterance after the request
  await warmTts(STORY); // before scripting: a request now would consume a scripted entry
  await control('reset', {});
  // TTS at 2x real time: still streaming when cut. A steady −36 dBFS tone under the voice
  // (no echo here: the mic does not hear it) makes its gain observable through the pauses
  // between words, where it could not be read before ("agent silent until").
  await control('config', { ttsBytesPerSecond: 96000, ttsUnderlayDb: UNDERLAY_DB });
  await control('script', {
    stt: fixture.speech.map((s) => ({ text: s.text })),
    llm: fixture.speech.map(() => ({ text: STORY.join(' '), chunkDelayMs: 40 })),
  });
  const browser = await launch(FIXTURE);
  try {
    const page = await openPage(browser, '/bench/pages/bench.html', log);
    const info = await page.evaluate((o) => window.B.start(o), { micTap: true, outTap: true, pushes: true, vadFrames: true, ...(interrupt ? { interrupt } : {}) });
    const last = onsets.at(-1).endSec;
    await page.waitForFunction(
      ({ until }) => {
        const R = window.B.R;
        return R.clock.length && R.clock.at(-1)[1] > until;
      },
      { until: info.captureStartFrame / info.sampleRate + last + 2 },
      { timeout: (last + 40) * 1000, polling: 250 },
    );
    await page.evaluate(() => window.B.stopRecorders());
    const data = await page.evaluate(() => window.B.data());
    const sr = data.sampleRate;
    const A = alignFixture(fixture, data.env, sr, data.captureStartFrame);
    const ms = (frames) => (frames / sr) * 1000;
    const clock = clockMap(data.clock, sr);
    const starts = data.mixer.filter((m) => m.type === 'started' && m.bus === 'voice');
    const ends = data.mixer.filter((m) => m.type === 'ended' && m.bus === 'voice');
    const trials = [];
    for (const [i, u] of onsets.entries()) {
      // Each onset on its own stretch of the file (the fake mic can slip under load).
      const Ak = alignStretch(fixture, data.env, sr, A, u.startSec - 0.4, u.endSec);
      const onset = Ak + u.startSec * sr;
      const nextOnset = i + 1 < onsets.length ? Ak + onsets[i + 1].startSec * sr : Infinity;
      const kind = u.text === 'Wait, stop.' ? 'interjection' : 'sentence';
      const playing = starts.filter((s) => s.frame < onset).at(-1);
      const end = playing && ends.find((e) => e.id === playing.id);
      if (!playing || (end && end.frame < onset)) {
        log(`  barge-in ${i + 1}: the agent was not speaking at the user's onset`);
        trials.push({ trial: i + 1, kind, text: u.text, notSpeaking: true });
        continue;
      }
      const ended = end && end.reason === 'stopped' && end.frame < nextOnset ? end.frame : null;
      const to = Math.round(Math.min(ended ?? onset + 1.5 * sr, nextOnset));
      const g = await page.evaluate(([id, S, from, to]) => window.B.voiceGain(id, S, from, to), [playing.id, playing.frame, Math.round(onset - 0.3 * sr), to]);
      // Stopped: the mixer's end of the voice, or earlier where its rendered gain fell to
      // −40 dB and stayed there (the SDK silences it when the rule falls due, in audio time,
      // before the confirming frame reaches the main thread; the underlay makes it visible).
      let silentFrom = null;
      for (let p = g.points.length - 1; p >= 0 && g.points[p][0] >= onset && g.points[p][1] <= SILENT; p--) silentFrom = g.points[p][0] - GAIN_WINDOW;
      const stopped = ended === null ? null : Math.min(ended, silentFrom ?? Infinity);
      const before = g.points.filter(([f]) => f < onset).map(([, v]) => v);
      const duck = g.points.find(([f, v]) => f >= onset && v <= DUCKED);
      const dip = g.points.find(([f, v]) => f >= onset && v <= 0.95);
      // The gain is only observable while the agent's voice sounds (TTS pauses are silent).
      const observable = g.points.find(([f]) => f >= onset);
      const nextStart = starts.find((s) => s.frame > onset)?.frame ?? to;
      const lastSound = stopped ? await page.evaluate(([a, b]) => window.B.lastSound(a, b), [Math.round(onset), nextStart]) : null;
      // The VAD's first speech frame (p ≥ positive threshold) after the onset, and the SDK's duck decision.
      const speechFrame = data.vadFrames.find(([at, p]) => data.captureStartFrame + at * sr >= onset && p >= data.options.positiveSpeechThreshold);
      const suspected = data.events.find((e) => e.name === 'interruption_suspected' && data.captureStartFrame + e.at * sr >= onset - 0.1 * sr);
      const cancelled = data.events.filter((e) => e.name === 'interruption_cancelled' && data.captureStartFrame + e.at * sr >= onset && data.captureStartFrame + e.at * sr < to).length;
      trials.push({
        trial: i + 1,
        kind,
        text: u.text,
        fixtureSlipMs: Number(ms(Ak - A).toFixed(1)),
        alignmentLag: g.lag,
        alignmentCorr: Number(g.corr.toFixed(4)),
        gainBeforeOnset: before.length ? Number((before.reduce((a, b) => a + b, 0) / before.length).toFixed(4)) : null,
        duckStartMs: dip ? ms(dip[0] - onset) : null,
        duckedMs: duck ? ms(duck[0] - onset) : null,
        voiceSilentUntilMs: observable ? ms(observable[0] - onset) : null,
        stoppedMs: stopped ? ms(stopped - onset) : null,
        mixerEndedMs: ended ? ms(ended - onset) : null,
        lastAudibleMs: lastSound == null ? null : ms(lastSound - onset),
        vadSpeechFrameMs: speechFrame ? ms(data.captureStartFrame + speechFrame[0] * sr - onset) : null,
        duckDecisionMs: suspected ? ms(data.captureStartFrame + suspected.at * sr - onset) : null,
        // The duck frame's end → its decision on the main thread (VAD, worker → main, the echo gate's hold), audio clock ±10 ms.
        duckDeliveryMs: suspected ? ms(clock.toFrame(suspected.t) - (data.captureStartFrame + suspected.at * sr)) : null,
        cancelledSuspicions: cancelled,
      });
    }
    await page.evaluate(() => window.B.session.close());
    const ok = trials.filter((t) => !t.notSpeaking);
    const sentences = ok.filter((t) => t.kind === 'sentence');
    const interjections = ok.filter((t) => t.kind === 'interjection');
    return {
      fixture: FIXTURE,
      underlayDb: UNDERLAY_DB,
      minInterruptionMs: data.options.minInterruptionMs,
      duckDb: data.options.duckDb,
      echoRatio: data.options.echoRatio,
      trials: trials.length,
      overSpeech: ok.length,
      fixtureOffsetMs: Number(ms(A - data.captureStartFrame).toFixed(2)),
      duckedMs: summary(ok.map((t) => t.duckedMs ?? NaN)),
      duckStartMs: summary(ok.map((t) => t.duckStartMs ?? NaN)),
      ducked: `${ok.filter((t) => t.duckedMs != null).length}/${ok.length}`,
      // The gain can only be read while the agent's voice sounds: the trials where it sounded at the onset.
      duckedWhileSoundingMs: summary(ok.filter((t) => t.voiceSilentUntilMs != null && t.voiceSilentUntilMs <= 10).map((t) => t.duckedMs ?? NaN)),
      stoppedMs: summary(ok.map((t) => t.stoppedMs ?? NaN)),
      mixerEndedMs: summary(ok.map((t) => t.mixerEndedMs ?? NaN)),
      stopped: `${ok.filter((t) => t.stoppedMs != null).length}/${ok.length}`,
      stoppedSentences: `${sentences.filter((t) => t.stoppedMs != null).length}/${sentences.length}`,
      stoppedInterjections: `${interjections.filter((t) => t.stoppedMs != null).length}/${interjections.length}`,
      lastAudibleMs: summary(ok.map((t) => t.lastAudibleMs ?? NaN)),
      vadSpeechFrameMs: summary(ok.map((t) => t.vadSpeechFrameMs ?? NaN)),
      duckDecisionMs: summary(ok.map((t) => t.duckDecisionMs ?? NaN)),
      duckDeliveryMs: summary(ok.map((t) => t.duckDeliveryMs ?? NaN)),
      underruns: data.underruns,
      errors: data.events.filter((e) => e.name === 'error').map((e) => `${e.source}: ${e.message}`),
      perTrial: trials,
    };
  } finally {
    await browser.close();
  }
}
