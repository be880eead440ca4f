// Figures 7 and 8 in one loop: typed turns with one-word answers, back to back, while the
// main thread is blocked 200 ms every second. Mixer underruns over the whole run (7); JS
// heap after 10 turns and after the last, each after a forced GC (8); then close() and a
// census of what is left: workers, AudioContexts, AudioNodes, mic tracks (8).
import { control, launch, openPage, warmTts } from './lib/env.mjs';

const ANSWER = 'Ok.';
// Issue 9 for the socket TTSs: SOAK_TTS=elevenlabs|cartesia runs the same loop over that
// provider's socket (its stand-in paced at 2x real time, as the HTTP stream); SOAK_ANSWER a
// longer answer, so audio streams in across the main thread's blocks. SOAK_TTS=realtime: a
// speech-to-speech session (OpenAI Realtime's socket in the TTS audio worker, its stand-in's
// audio at 2x real time); realtime-main: the same with the socket on the main thread (control).
const TTS = process.env.SOAK_TTS ?? 'openai';

async function heap(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}

export async function runSoak({ quick, log, tts = TTS, answer = process.env.SOAK_ANSWER ?? ANSWER }) {
  const minSec = quick ? 30 : 300;
  const targetTurns = quick ? 40 : 500;
  const capSec = quick ? 60 : 400;
  await warmTts([answer], 2); // before scripting
  await control('reset', {});
  await control('config', { ttsBytesPerSecond: 96000 }); // 2x real time, as a streaming TTS
  // Socket stand-ins: 100 ms frames every 50 ms (2x real time); one entry per connection.
  await control('script', {
    llm: Array.from({ length: 2500 }, () => ({ text: answer })),
    ttsSocket: Array.from({ length: 50 }, () => ({ chunkDelayMs: 50 })),
    // One entry per connection: 100 ms chunks every 50 ms.
    realtime: [{ responses: Array.from({ length: 2500 }, () => ({ text: answer })), chunkDelayMs: 50 }],
  });
  // The click fixture: a 40 ms click, then silence (no user speech in this test).
  const browser = await launch('click');
  try {
    const page = await openPage(browser, '/bench/pages/bench.html', log);
    const cdp = await page.context().newCDPSession(page);
    await page.evaluate(
      (t) => window.B.start(t.startsWith('realtime') ? { quiet: true, realtime: t === 'realtime-main' ? 'main' : 'worker' } : { quiet: true, ttsSpeed: 2, socketTts: t === 'openai' ? undefined : t }),
      tts,
    ); // 'Ok.' in 0.23 s instead of 0.81 s (a realtime voice at its own speed)
    const t0 = Date.now();
    await page.evaluate(() => window.B.block(200, 1000));
    const first = await page.evaluate(() => window.B.soak({ turns: 10 }));
    const heapAt10 = await heap(cdp);
    const mid = await page.evaluate(({ turns, capMs }) => window.B.soak({ turns, capMs: performance.now() + capMs }), { turns: targetTurns - 10, capMs: capSec * 1000 - (Date.now() - t0) });
    const heapAtTarget = await heap(cdp);
    const end = await page.evaluate(({ untilMs, capMs }) => window.B.soak({ untilMs: performance.now() + untilMs, capMs: performance.now() + capMs }), { untilMs: minSec * 1000 - (Date.now() - t0), capMs: capSec * 1000 - (Date.now() - t0) });
    const elapsedSec = (Date.now() - t0) / 1000;
    const heapAtEnd = await heap(cdp);
    await page.evaluate(() => window.B.unblock());
    const errors = await page.evaluate(() => (window.B.R?.events ?? []).filter((e) => e.name === 'error').map((e) => `${e.source}: ${e.message}`));
    const workersBefore = page.workers().length;
    await page.evaluate(() => window.B.closeAndForget());
    // close() releases the session's use of the page's VAD worker, which stays warm for
    // SileroVAD.keepWarmMs (5 s) and is then terminated (500 ms after its shutdown at the
    // latest). Counted after that: a worker still there would be a leak.
    const workersRightAfterClose = page.workers().length;
    await page.waitForTimeout(6500);
    await heap(cdp);
    await page.waitForTimeout(500);
    await heap(cdp);
    const census = await page.evaluate(() => window.P.census());
    const workers = page.workers().map((w) => w.url());
    log(`  soak (${tts}, answer ${JSON.stringify(answer)}): ${end.turns} turns in ${elapsedSec.toFixed(0)} s, ${end.underruns} underruns ${JSON.stringify(end.underrunCauses)} by bus ${JSON.stringify(end.underrunsByBus)}, heap ${(heapAt10 / 1e6).toFixed(2)} -> ${(heapAtTarget / 1e6).toFixed(2)} (${mid.turns} turns) -> ${(heapAtEnd / 1e6).toFixed(2)} MB`);
    return {
      tts,
      answer,
      seconds: Number(elapsedSec.toFixed(1)),
      turns: end.turns,
      turnsAt10: first.turns,
      blockedIntervals: end.blocked,
      blockMs: 200,
      underruns: end.underruns,
      underrunsByBus: end.underrunsByBus,
      underrunCauses: end.underrunCauses,
      slowTurns: end.slowTurns,
      heapAfter10MB: Number((heapAt10 / 1e6).toFixed(3)),
      heapTurns: mid.turns,
      heapAfterTargetMB: Number((heapAtTarget / 1e6).toFixed(3)),
      heapGrowthMB: Number(((heapAtTarget - heapAt10) / 1e6).toFixed(3)),
      heapAfterLastMB: Number((heapAtEnd / 1e6).toFixed(3)),
      heapGrowthToLastMB: Number(((heapAtEnd - heapAt10) / 1e6).toFixed(3)),
      afterClose: { liveWorkers: workers.length, workerUrls: workers, workersWhileRunning: workersBefore, workersRightAfterClose, ...census },
      errors,
    };
  } finally {
    await browser.close();
  }
}
