// Figure 2 (VAD cost): ms per 32 ms frame in Earshot's worker, and the same mic audio through
// vad-web's MicVAD (main thread) in the same page at the same time, as a ratio; and
// session.run alone: per live frame in our worker, and back to back as the earlier probe ran it.
import { launch, openPage } from './lib/env.mjs';
import { summary } from './lib/stats.mjs';

export async function runVadCost({ quick, log }) {
  const seconds = quick ? 8 : 15;
  const browser = await launch('bench-questions');
  try {
    const page = await openPage(browser, '/bench/pages/micvad.html', log);
    const r = await page.evaluate((seconds) => window.runVadPair({ seconds }), seconds);
    // Frames queued while the models loaded are processed in a burst; skip the first 30.
    const ours = summary(r.ours.slice(30), 2);
    const oursRun = summary(r.oursRun.slice(30), 2);
    const hot = summary(r.hot, 2);
    const run = summary(r.theirs.run.slice(30), 2);
    const frame = summary(r.theirs.frame.slice(30), 2);
    return {
      audioSec: seconds,
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
