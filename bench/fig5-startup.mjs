// Figure 5: start() -> listening with the built bundle, and start() -> the VAD hearing live
// (start() does not wait for the model: speech meanwhile is heard once it runs). Cold: a fresh browser context
// (empty HTTP cache, empty IndexedDB: the wasm and model are downloaded and compiled).
// Warm: a new page in a context that has started once (HTTP cache and the model in
// IndexedDB filled, the ORT wasm in the Cache API). Restart: a second start() in the same
// page after close() (the VAD worker kept warm). Preloaded: a new warm page that awaited
// vad.preload() before start().
import { launch, openPage } from './lib/env.mjs';
import { summary } from './lib/stats.mjs';

/** start() on the page, then where the worker's time went (its Resource Timing), then close(). */
async function startOnce(page, options = {}) {
  const r = await page.evaluate((o) => window.startOnce(o), options);
  const worker = page.workers().find((w) => /vad\.worker/.test(w.url()));
  if (worker) {
    const w = await worker.evaluate(() => ({
      origin: performance.timeOrigin,
      res: performance.getEntriesByType('resource').map((e) => ({ name: e.name.split('/').pop(), start: e.startTime, end: e.responseEnd })),
      marks: performance.getEntriesByType('mark').filter((m) => m.name.startsWith('earshot-vad:')).map((m) => ({ name: m.name.slice(12), at: m.startTime })),
    }));
    const rel = (t) => Math.round(w.origin + t - r.startEpochMs);
    r.worker = {
      startedAt: rel(0),
      fetches: w.res.map((e) => ({ file: e.name, from: rel(e.start), to: rel(e.end) })),
      marks: Object.fromEntries(w.marks.map((m) => [m.name, rel(m.at)])),
    };
  }
  await page.evaluate(() => window.closeIt());
  return r;
}

export async function runStartup({ quick, log }) {
  const trials = quick ? 2 : 4;
  const browser = await launch(); // Chromium's generated tone as the mic: content does not matter here
  const cold = [], warm = [], restart = [], preloaded = [], detail = [];
  try {
    for (let i = 0; i < trials; i++) {
      const context = await browser.newContext();
      const a = await openPage(context, '/bench/pages/startup.html', log);
      const c = await startOnce(a);
      await a.close();
      const b = await openPage(context, '/bench/pages/startup.html', log);
      const w = await startOnce(b);
      const r = await startOnce(b);
      // A new page of a warm context whose app preloaded the VAD before the click.
      const pre = await openPage(context, '/bench/pages/startup.html', log);
      const p = await startOnce(pre, { preload: true });
      await context.close();
      cold.push(c.listeningMs);
      warm.push(w.listeningMs);
      restart.push(r.listeningMs);
      preloaded.push(p.listeningMs);
      detail.push({ cold: c, warm: w, restart: r, preloaded: p });
    }
  } finally {
    await browser.close();
  }
  return {
    bundle: '/bench-dist/earshot.js (snapshot of dist/)',
    coldMs: summary(cold),
    warmMs: summary(warm),
    restartSamePageMs: summary(restart),
    preloadedMs: summary(preloaded),
    vadLiveMs: { cold: summary(detail.map((d) => d.cold.vadLiveMs)), warm: summary(detail.map((d) => d.warm.vadLiveMs)), restart: summary(detail.map((d) => d.restart.vadLiveMs)), preloaded: summary(detail.map((d) => d.preloaded.vadLiveMs)) },
    vadLoadMs: { cold: summary(detail.map((d) => d.cold.vadLoadMs)), warm: summary(detail.map((d) => d.warm.vadLoadMs)), restart: summary(detail.map((d) => d.restart.vadLoadMs)), preloaded: summary(detail.map((d) => d.preloaded.vadLoadMs)) },
    warmCachedAssets: detail[0]?.warm.cachedAssets ?? [],
    perTrial: detail,
  };
}
