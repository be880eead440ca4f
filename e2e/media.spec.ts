import { chromium } from '@playwright/test';
import { writeWav16 } from '../scripts/wav.mjs';
import { chromiumArgs, chromiumPath } from './support/browser';
import { control } from './support/agent-run';
import { expect, test, type Browser, type Page } from './support/test';

// Cached speech and vision in the page, against the local provider server (mounted by Vite
// under /local-ai): a phrase cached in IndexedDB plays after a reload with no TTS request,
// and frames from a <canvas>, a <video> and an ImageBitmap reach the LLM request as images.
// The fake mic plays silence: the VAD hears nothing, so nothing but the test's calls happens.

let browser: Browser;
let page: Page;
test.afterEach(async () => {
  await page?.evaluate(() => (window as any).R?.session.close()).catch(() => undefined);
  await browser?.close();
});

async function open(baseURL: string, silence: string): Promise<void> {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: [...chromiumArgs({}), `--use-file-for-fake-audio-capture=${silence}`] });
  page = await browser.newPage();
  page.on('pageerror', (err) => console.error('[pageerror]', err));
  await page.goto(new URL('/e2e/pages/media.html', baseURL).href);
  await page.waitForFunction(() => (window as any).E !== undefined);
}

/** Starts a session (OpenAI providers on /local-ai, the TTS behind a TTSAudioCache) as `window.R`. */
function startSession(): Promise<void> {
  return page.evaluate(async () => {
    const E = (window as any).E;
    const base = `${location.origin}/local-ai/v1`;
    const cache = new E.TTSAudioCache(new E.OpenAITTS({ baseURL: base, apiKey: 'k' }), { name: 'earshot-e2e-media' });
    const session = new E.AgentSession(new E.Agent({ instructions: 'Be brief.' }), new E.Pipeline({
      stt: new E.OpenAISTT({ baseURL: base, apiKey: 'k' }), llm: new E.OpenAILLM({ baseURL: base, apiKey: 'k', model: 'm' }), tts: cache,
    }));
    const R: any = { session, cache, blocks: [], events: [] };
    (window as any).R = R;
    for (const name of ['agent_transcript', 'error', 'agent_state_changed']) session.on(name, (e: any) => R.events.push({ ...e, name, t: performance.now() }));
    await session.start();
    R.stopTap = await session.audio.tapOutput((b: any) => R.blocks.push(b));
  });
}

const speechRequests = async (baseURL: string) => (await control(baseURL, 'log')).requests.filter((r: any) => r.route.includes('/audio/speech'));

test('a cached phrase plays after a reload with no TTS request (IndexedDB)', async ({ baseURL }, testInfo) => {
  const silence = testInfo.outputPath('silence.wav');
  writeWav16(silence, new Float32Array(48_000 * 20), 48_000);
  await control(baseURL!, 'reset', {});
  await open(baseURL!, silence);
  await startSession();
  const phrase = 'Please hold while I check that for you.';
  await page.evaluate(async (text) => {
    const { cache } = (window as any).R;
    await cache.clear();
    await cache.preload([text]);
  }, phrase);
  expect(await speechRequests(baseURL!)).toHaveLength(1);

  await page.evaluate(() => (window as any).R.session.close());
  await page.reload();
  await page.waitForFunction(() => (window as any).E !== undefined);
  await control(baseURL!, 'reset', {});
  await startSession();
  const r = await page.evaluate(async (text) => {
    const R = (window as any).R;
    // The cache alone, cold after the reload (IndexedDB opened and read): time to its first audio.
    const t0 = performance.now();
    let firstChunkMs = -1;
    for await (const _ of R.cache.synthesize({ text, signal: new AbortController().signal })) if (firstChunkMs < 0) firstChunkMs = performance.now() - t0;
    const before = R.blocks.length;
    const asked = performance.now();
    await R.session.say(text).then(() => undefined);
    await new Promise((done) => setTimeout(done, 300));
    R.stopTap();
    let peak = 0;
    let voiced = 0;
    for (const b of R.blocks.slice(before)) {
      let sum = 0;
      for (const x of b.samples) (peak = Math.max(peak, Math.abs(x))), (sum += x * x);
      if (Math.sqrt(sum / b.samples.length) > 0.01) voiced += b.samples.length;
    }
    const speaking = R.events.find((e: any) => e.name === 'agent_state_changed' && e.state === 'speaking' && e.t >= asked);
    return { firstChunkMs, hits: R.cache.hits, misses: R.cache.misses, peak, voicedSec: voiced / R.session.audio.context.sampleRate, toSpeakingMs: speaking ? speaking.t - asked : null, errors: R.events.filter((e: any) => e.name === 'error').map((e: any) => e.error.message) };
  }, phrase);
  console.log(`cached phrase after reload: first audio from the cache (IndexedDB) in ${r.firstChunkMs.toFixed(1)} ms; say() → speaking (first sample rendered) in ${r.toSpeakingMs?.toFixed(1)} ms; ${r.voicedSec.toFixed(2)} s voiced`);
  expect(r.errors).toEqual([]);
  expect(await speechRequests(baseURL!)).toEqual([]);
  expect([r.hits, r.misses]).toEqual([2, 0]);
  expect(r.peak).toBeGreaterThan(0.05);
  // espeak says the sentence in about 2 s.
  expect(r.voicedSec).toBeGreaterThan(1);
});

test('frames from a <canvas>, a <video> and an ImageBitmap reach the LLM request as JPEG images', async ({ baseURL }, testInfo) => {
  const silence = testInfo.outputPath('silence.wav');
  writeWav16(silence, new Float32Array(48_000 * 20), 48_000);
  await control(baseURL!, 'reset', {});
  await open(baseURL!, silence);
  await startSession();
  const r = await page.evaluate(async () => {
    const R = (window as any).R;
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [64, 48];
    const g = canvas.getContext('2d')!;
    g.fillStyle = 'rgb(255, 0, 0)';
    g.fillRect(0, 0, 64, 48);
    // A <video> showing the canvas: a live frame source as a camera would be.
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = canvas.captureStream(10);
    await video.play();
    const tick = setInterval(() => g.fillRect(0, 0, 64, 48), 50);
    if (video.readyState < 2) await new Promise((ok) => video.addEventListener('loadeddata', ok, { once: true }));
    const bitmap = await createImageBitmap(canvas);
    const handle = R.session.reply('Say what you see.', { frames: [canvas, video, bitmap] });
    await handle.then(() => undefined);
    clearInterval(tick);
    // What reached the server, decoded back in the page: each image's size and mean colour.
    const log = await (await fetch('/local-ai/__control/log')).json();
    const chat = log.requests.filter((q: any) => q.route.includes('chat/completions'));
    const images = chat[0].body.messages.at(-1).content.map((p: any) => p.image_url.url);
    const decoded = [];
    for (const url of images) {
      const bmp = await createImageBitmap(await (await fetch(url)).blob());
      const c = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
      c.drawImage(bmp, 0, 0);
      const px = c.getImageData(0, 0, bmp.width, bmp.height).data;
      const mean = [0, 1, 2].map((k) => { let s = 0; for (let i = k; i < px.length; i += 4) s += px[i]!; return Math.round(s / (px.length / 4)); });
      decoded.push({ type: url.slice(0, 23), width: bmp.width, height: bmp.height, mean });
    }
    return { chats: chat.length, decoded, history: R.session.getContextHistory().map((i: any) => `${i.role}: ${i.content}`), errors: R.events.filter((e: any) => e.name === 'error').map((e: any) => e.error.message) };
  });
  expect(r.errors).toEqual([]);
  expect(r.chats).toBe(1);
  expect(r.decoded).toHaveLength(3);
  for (const d of r.decoded) {
    expect(d).toMatchObject({ type: 'data:image/jpeg;base64,', width: 64, height: 48 });
    // Red, after JPEG: the frame's content went up, not a blank canvas.
    expect(d.mean[0]).toBeGreaterThan(200);
    expect(d.mean[1]).toBeLessThan(60);
    expect(d.mean[2]).toBeLessThan(60);
  }
  // The server read three pictures; the history keeps the answer, never the frames.
  expect(r.history).toEqual(['assistant: I see 3 pictures: a 64 by 48 pixel JPEG picture, a 64 by 48 pixel JPEG picture, a 64 by 48 pixel JPEG picture. I\'m only a rule-based demo brain, so that is all I can tell.']);
});

test("the demo shares the (fake) camera and asks 'what do you see?': a frame reaches the LLM", async ({ baseURL }, testInfo) => {
  const silence = testInfo.outputPath('silence.wav');
  writeWav16(silence, new Float32Array(48_000 * 30), 48_000);
  await control(baseURL!, 'reset', {});
  browser = await chromium.launch({ executablePath: chromiumPath(), args: [...chromiumArgs({}), `--use-file-for-fake-audio-capture=${silence}`] });
  page = await browser.newPage();
  await page.goto(new URL('/', baseURL).href);
  await page.click('#start');
  await expect(page.locator('#status')).toContainText('Listening', { timeout: 45_000 });
  await expect(page.locator('#transcript li.agent').first()).toContainText('offline demo', { timeout: 15_000 });
  await page.click('#camera-toggle');
  await expect(page.locator('#see')).toBeEnabled({ timeout: 10_000 });
  await page.click('#see');
  // Chromium's fake camera is 640×480 by default: one frame of it, as a JPEG.
  await expect(page.locator('#transcript li.agent').last()).toContainText('I see a 640 by 480 pixel JPEG picture', { timeout: 20_000 });
  const chats = (await control(baseURL!, 'log')).requests.filter((r: any) => r.route.includes('chat/completions'));
  const parts = chats.at(-1).body.messages.at(-1).content;
  expect(parts).toHaveLength(1);
  expect(parts[0].image_url.url).toMatch(/^data:image\/jpeg;base64,\/9j\//);
  await page.click('#stop');
});
