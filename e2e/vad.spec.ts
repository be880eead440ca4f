import { expect, test } from './support/test';
import { readdirSync } from 'node:fs';
import { FIXTURES, fixture, launch, launchWarm, openHarness } from './support/browser';
import { runVad } from './support/vad-run';
import { endError, receivedSpeech } from './support/received-speech.mjs';

const utterances = readdirSync(FIXTURES)
  .filter((f) => f.startsWith('utt-') && f.endsWith('.wav'))
  .map((f) => f.slice(0, -4));

test('fixtures exist', () => {
  expect(utterances.length).toBeGreaterThanOrEqual(4);
});

for (const name of utterances) {
  test(`VAD timing on ${name}`, async ({ baseURL }) => {
    const info = fixture(name);
    const speech = info.speech[0]!;
    const browser = await launchWarm({ wav: name });
    try {
      const page = await openHarness(browser, baseURL!);
      const run = await runVad(page, speech.endSec + 1.2);
      // One utterance, onset within ±100 ms and end at the speech's end + redemption ± 96 ms
      // (three frames), both measured against the speech in the audio the VAD received (the end
      // also against a pause in the speech's last 300 ms, if nearer: see endError). Where
      // the file's first sample lands on the capture clock varies by tens of ms with load (the
      // fake device reads the file on its own thread), and render quanta the audio thread missed
      // are filled with silence or dropped: CI saw onset +56 ms with end +94 ms, and end +122
      // ms alone, against the file. The endpoint's precision on a real clock is the bench's
      // (figure 4); this checks the VAD's bounds on what it heard.
      expect(run.started).toHaveLength(1);
      expect(run.ended).toHaveLength(1);
      const heard = receivedSpeech(run.received, speech);
      const onsetErrMs = (run.started[0]!.at - heard.startSec) * 1000;
      const end = endError(run.ended[0]!.at - run.redemptionMs / 1000, heard);
      const lastErrMs = (run.ended[0]!.lastSpeechAt - heard.endSec) * 1000;
      console.log(
        `${name}: onset ${onsetErrMs.toFixed(0)} ms, end ${end.ms.toFixed(0)} ms from the ${end.from} (speech end estimate ${lastErrMs.toFixed(0)} ms), ${run.frames} frames; ` +
          `the mic path moved the speech ${heard.shiftMs.start.toFixed(0)} / ${heard.shiftMs.end.toFixed(0)} ms`,
      );
      expect(Math.abs(onsetErrMs)).toBeLessThanOrEqual(100);
      expect(Math.abs(end.ms)).toBeLessThanOrEqual(96);
      // The utterance's audio spans the speech (plus pad and redemption silence).
      expect(run.ended[0]!.audioSec).toBeGreaterThan(heard.endSec - heard.startSec);
    } finally {
      await browser.close();
    }
  });
}

test('a 40 ms click does not start speech', async ({ baseURL }) => {
  const info = fixture('click');
  expect(info.clicks).toHaveLength(1);
  const browser = await launchWarm({ wav: 'click' });
  try {
    const page = await openHarness(browser, baseURL!);
    const run = await runVad(page, info.clicks[0]!.endSec + 1.5);
    expect(run.frames).toBeGreaterThan(60); // the VAD really ran over the click
    expect(run.started).toHaveLength(0);
    expect(run.ended).toHaveLength(0);
  } finally {
    await browser.close();
  }
});

test('VAD inference runs in the worker, never in the page realm', async ({ baseURL }) => {
  // A cold profile: the assets must be fetched by the worker for its resource list to show them.
  const browser = await launch({ wav: 'utt-en-us' });
  try {
    const page = await openHarness(browser, baseURL!);
    const run = await runVad(page, 2.0, {}, true);
    expect(run.frames).toBeGreaterThan(50);
    // Every script the page's own JS realm has parsed, from the debugger of the page target
    // (workers are separate targets with their own realms and are not listed here).
    const cdp = await page.context().newCDPSession(page);
    const parsed: string[] = [];
    cdp.on('Debugger.scriptParsed', (e) => parsed.push(e.url));
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.disable');
    expect(parsed.some((u) => u.endsWith('/dist/earshot.js'))).toBe(true); // the control: SileroVAD's own module
    expect(parsed.filter((u) => /onnxruntime|ort-wasm|vad-web_dist_models|segmenter/.test(u))).toEqual([]);
    expect(await page.evaluate(() => 'ort' in window)).toBe(false);
    // The dedicated worker is where ORT's glue, its wasm and the model were loaded.
    const worker = page.workers().find((w) => /vad\.worker/.test(w.url()));
    expect(worker).toBeDefined();
    const workerResources = await worker!.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    expect(workerResources.some((u) => u.endsWith('ort-wasm-simd-threaded.wasm'))).toBe(true);
    expect(workerResources.some((u) => u.endsWith('silero_vad_v5.onnx'))).toBe(true);
    // Inference per 32 ms frame, measured inside the worker: far below the frame budget.
    const sorted = [...run.inferenceMs].sort((a, b) => a - b);
    console.log(`inference ms/frame: median ${sorted[sorted.length >> 1]!.toFixed(2)}, p95 ${sorted[Math.floor(sorted.length * 0.95)]!.toFixed(2)}`);
  } finally {
    await browser.close();
  }
});
