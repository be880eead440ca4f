// Figure 2 (VAD cost): ms per 32 ms frame in Earshot's worker, and the same mic audio through
// vad-web's MicVAD (main thread) in the same page at the same time, as a ratio; and
// session.run alone: per live frame in our worker, and back to back as the earlier probe ran it.
import { launch, openPage } from './lib/env.mjs';
import { summary } from './lib/stats.mjs';

export async function runVadCost({ quick, log, explain = false }) {
  const seconds = quick ? 8 : 15;
  const browser = await launch('bench-questions');
  try {
    const page = await openPage(browser, '/bench/pages/micvad.html', log);
    const r = await page.evaluate((seconds) => window.runVadPair({ seconds }), seconds);
    // Why a live frame costs more than a run back to back (`--explain`, ~70 s: not in a
    // default run): the same model, paced as live frames are (asleep between runs) and paced
    // with the thread spinning (never idle); fed the live frames ours just processed, with the
    // audio graph running (mic, capture and mixer worklets on the real-time audio thread);
    // and with the wasm precompiled as ours does.
    const paced = quick ? 150 : 300;
    const pacing = explain ? await page.evaluate((paced) => window.runPacing({ paced }), paced) : null;
    const pacingLive = explain ? await page.evaluate((paced) => window.runPacing({ paced, live: true, withAudio: true }), paced) : null;
    const pacingOurs = explain ? await page.evaluate((paced) => window.runPacing({ paced, precompiled: true }), paced) : null;
    // Frames queued while the models loaded are processed in a burst; skip the first 30.
    const ours = summary(r.ours.slice(30), 2);
    const oursRun = summary(r.oursRun.slice(30), 2);
    const hot = summary(r.hot, 2);
    const run = summary(r.theirs.run.slice(30), 2);
    const frame = summary(r.theirs.frame.slice(30), 2);
    const aloneOurs = summary(r.alone.ours.slice(30), 2);
    const aloneRun = summary(r.alone.run.slice(30), 2);
    return {
      audioSec: seconds,
      // Ours with MicVAD not running (the same page, before MicVAD starts).
      oursAloneMsPerFrame: aloneOurs,
      oursAloneRunMsPerFrame: aloneRun,
      pacing: pacing && {
        where: 'a plain worker, the same ORT build and model as ours, 200 warm-up runs first',
        backToBackMs: summary(pacing.backToBack, 2),
        every32msAsleepMs: summary(pacing.asleep, 2),
        every32msSpinningMs: summary(pacing.spinning, 2),
        feedsMs: summary(pacing.feedsMs, 3),
        precompiledAsOurs: {
          backToBackMs: summary(pacingOurs.backToBack, 2),
          every32msAsleepMs: summary(pacingOurs.asleep, 2),
          every32msSpinningMs: summary(pacingOurs.spinning, 2),
        },
        liveFramesAudioRunning: {
          backToBackMs: summary(pacingLive.backToBack, 2),
          every32msAsleepMs: summary(pacingLive.asleep, 2),
          every32msSpinningMs: summary(pacingLive.spinning, 2),
        },
      },
      oursMsPerFrame: ours,
      // session.run alone, per live frame, in the worker (the rest of oursMsPerFrame is the segmenter).
      oursRunMsPerFrame: oursRun,
      // session.run back to back, 1000 runs after 200 warm-up (the earlier probe's method), main thread.
      backToBackRunMs: hot,
      micVadRunMsPerFrame: run,
      micVadFrameMsPerFrame: frame,
      ratioMedian: Number((ours.median / frame.median).toFixed(2)),
      ratioP95: Number((ours.p95 / frame.p95).toFixed(2)),
      where: { ours: 'dedicated Worker', micVad: 'main thread' },
      micVadLoadMs: Math.round(r.micVadLoadMs),
      micVadLongTasks: { atLoad: r.longTasksAtMicVadLoad.map((l) => Math.round(l.duration)), whileRunning: r.longTasksWhileRunning.map((l) => Math.round(l.duration)) },
    };
  } finally {
    await browser.close();
  }
}
