import { expect, test, type BrowserContext, type Page } from './support/test';
import { launchWarm, openHarness } from './support/browser';
import { control, waitForEvents } from './support/agent-run';

let browser: BrowserContext;
let page: Page;
test.afterEach(async () => {
  await page?.evaluate(() => (window as any).R?.session.close()).catch(() => undefined);
  await browser?.close();
});

/**
 * Runs one user turn with a thinking sound (a 3 kHz tone, easy to tell from speech) and an
 * LLM that answers after `llmDelayMs`; returns the tone's and the voice's spans in the output.
 */
async function run(baseURL: string, llmDelayMs: number) {
  await control(baseURL, 'reset', {});
  await control(baseURL, 'script', { stt: [{ text: 'Tell me a story.' }], llm: [{ text: 'Okay.', delayMs: llmDelayMs }] });
  browser = await launchWarm({ wav: 'story-then-silence' });
  page = await openHarness(browser, baseURL);
  await page.evaluate(async () => {
    const E = (window as any).E;
    const base = `${location.origin}/local-ai/v1`;
    const sr = 48000;
    const tone = new Float32Array(sr).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 3000 * i) / sr));
    const agent = new E.Agent({ instructions: 'Be brief.', thinkingAudio: { source: { samples: tone, sampleRate: sr }, volume: 1, delayMs: 300, minPlayMs: 600 } });
    const session = new E.AgentSession(agent, new E.Pipeline({
      stt: new E.OpenAISTT({ baseURL: base, apiKey: 'k' }), llm: new E.OpenAILLM({ baseURL: base, apiKey: 'k', model: 'm' }), tts: new E.OpenAITTS({ baseURL: base, apiKey: 'k' }),
    }));
    const R: any = { session, events: [], blocks: [] };
    (window as any).R = R;
    session.on('agent_transcript', (e: any) => R.events.push({ name: 'agent_transcript', ...e }));
    await session.start();
    R.stopTap = await session.audio.tapOutput((b: any) => R.blocks.push(b));
  });
  await waitForEvents(page, 'agent_transcript', 1, 20_000);
  await page.waitForTimeout(800);
  return page.evaluate(() => {
    const R = (window as any).R;
    R.stopTap();
    const sr = R.session.audio.context.sampleRate;
    // Per 20 ms block: the 3 kHz share of the energy (Goertzel) and the RMS.
    const step = Math.round(sr * 0.02);
    const all: number[] = [];
    for (const b of R.blocks) for (const x of b.samples) all.push(x);
    const blocks: { tone: number; rms: number }[] = [];
    const w = (2 * Math.PI * 3000) / sr;
    for (let at = 0; at + step <= all.length; at += step) {
      let s1 = 0, s2 = 0, e = 0;
      for (let i = 0; i < step; i++) {
        const x = all[at + i]!;
        const s0 = x + 2 * Math.cos(w) * s1 - s2;
        s2 = s1; s1 = s0; e += x * x;
      }
      const power = (s1 * s1 + s2 * s2 - 2 * Math.cos(w) * s1 * s2) / (step * step / 2);
      blocks.push({ tone: e > 0 ? power / (e / step) : 0, rms: Math.sqrt(e / step) });
    }
    const toneBlocks = blocks.map((b, i) => (b.rms > 0.05 && b.tone > 0.8 ? i : -1)).filter((i) => i >= 0);
    // A block where the tone starts or stops part-way has a low tone share too: it is not voice.
    const isTone = new Set(toneBlocks);
    const voiceBlocks = blocks
      .map((b, i) => (b.rms > 0.01 && b.tone < 0.5 && !isTone.has(i - 1) && !isTone.has(i + 1) ? i : -1))
      .filter((i) => i >= 0);
    return { toneBlocks, voiceBlocks, lastBlock: blocks.length - 1 };
  });
}

test('a slow LLM gets the thinking sound, which stops once the agent speaks', async ({ baseURL }) => {
  const r = await run(baseURL!, 1500);
  expect(r.toneBlocks.length).toBeGreaterThan(30); // well over 600 ms of tone
  expect(r.voiceBlocks.length).toBeGreaterThan(5);
  const firstVoice = r.voiceBlocks[0]!;
  expect(r.toneBlocks[0]!).toBeLessThan(firstVoice); // it played while waiting…
  expect(r.toneBlocks.at(-1)!).toBeLessThan(firstVoice + 15); // …and stopped within 300 ms of the voice
  expect(r.toneBlocks.at(-1)!).toBeLessThan(r.lastBlock - 20); // not left looping after the turn
});

test('a fast reply gets no thinking blip', async ({ baseURL }) => {
  const r = await run(baseURL!, 0);
  expect(r.voiceBlocks.length).toBeGreaterThan(5);
  expect(r.toneBlocks).toEqual([]);
});
