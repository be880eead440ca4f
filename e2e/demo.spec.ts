import { expect, test, type BrowserContext, type Page } from './support/test';
import { launchWarm } from './support/browser';
import { control } from './support/agent-run';

let browser: BrowserContext | null = null;
/** Page errors and console errors of the demo page: every test ends expecting none. */
let errors: string[] = [];

test.afterEach(async () => {
  await browser?.close();
  browser = null;
});

/**
 * ms for the fixture's late "hello" to be transcribed. The demo preloads the VAD on page load,
 * but the test clicks Start at once and start() does not wait for the VAD (frames queue in its
 * worker meanwhile), so this covers the VAD's first load: seconds on a busy 2-core machine
 * (CI run 19 timed out at 15 s once).
 */
const HEARD_MS = 40_000;

/**
 * The demo page with a fresh local provider server, the fake mic playing `late-hello`, and
 * `providers` chosen in its settings (stage → option value), then started.
 */
async function openDemo(baseURL: string, providers: Record<string, string> = {}): Promise<Page> {
  await control(baseURL, 'reset', {});
  browser = await launchWarm({ wav: 'late-hello' });
  const page = await browser.newPage();
  errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(baseURL);
  if (Object.keys(providers).length) await page.click('#settings summary'); // the provider settings are folded away
  for (const [stage, value] of Object.entries(providers)) await page.selectOption(`[data-stage="${stage}"][data-field="provider"]`, value);
  await page.click('#start');
  // Includes the VAD's first load (compiling 14 MB of wasm): about 8 s on the CI machine
  // and more when it is busy. A guard against a hang, not a goal: start-up is in the bench.
  await expect(page.locator('#status')).toContainText('Listening', { timeout: 45_000 });
  return page;
}

test('the offline demo: greeting, a spoken turn answered honestly, a typed question answered with the time tool', async ({ baseURL }) => {
  const page = await openDemo(baseURL!);
  await page.click('#record');
  await expect(page.locator('#record')).toHaveText('Stop recording');
  // The greeting from onEnter, then the user's line, which the offline STT reports honestly.
  await expect(page.locator('#transcript li.agent').first()).toContainText('offline demo', { timeout: 10_000 });
  await expect(page.locator('#transcript li.user').first()).toContainText('s of speech', { timeout: HEARD_MS });
  await expect(page.locator('#transcript li.agent').nth(1)).toContainText('I heard', { timeout: 15_000 });
  // Typed text goes through the LLM and the get_time tool.
  await page.fill('#text', 'What time is it?');
  await page.click('#send');
  await expect(page.locator('#tools li').first()).toContainText('get_time', { timeout: 10_000 });
  await expect(page.locator('#transcript li.agent').nth(2)).toContainText('right now', { timeout: 15_000 });
  // An order lookup goes to the dev server's MCP server (earshot/mcp, its SDK loaded on first connect).
  await page.fill('#text', 'Where is order A-1001?');
  await page.click('#send');
  await expect(page.locator('#tools li[data-name="lookup_order"]')).toContainText('lookup_order → ', { timeout: 10_000 });
  await expect(page.locator('#transcript li.agent').last()).toContainText('Order A-1001 is', { timeout: 15_000 });
  await expect(page.locator('#latency .bar')).not.toHaveCount(0);
  expect(await page.locator('#out-level').evaluate((m: HTMLMeterElement) => m.value)).toBeGreaterThanOrEqual(0);
  // The last turns as a waterfall (the spoken one with its stages, the typed ones with their tools);
  // the recording offered as a stereo WAV and the transcript as JSON.
  await expect(page.locator('#waterfall .turn')).not.toHaveCount(0);
  await expect(page.locator('#waterfall .turn .tool').first()).toBeAttached();
  await page.click('#record');
  await expect(page.locator('#downloads a')).toHaveCount(2, { timeout: 5_000 });
  const files = await page.locator('#downloads a').evaluateAll((links) =>
    Promise.all((links as HTMLAnchorElement[]).map(async (a) => {
      const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
      return { name: a.download, head: String.fromCharCode(...bytes.subarray(0, 4)), channels: bytes[22], size: bytes.length, text: a.download.endsWith('.json') ? new TextDecoder().decode(bytes) : '' };
    })));
  expect(files[0]).toMatchObject({ name: expect.stringMatching(/\.wav$/), head: 'RIFF', channels: 2 });
  expect(files[0]!.size).toBeGreaterThan(44_100 * 4 * 3); // seconds of 16-bit stereo
  const transcript = JSON.parse(files[1]!.text).transcript as { role: string; text: string }[];
  expect(transcript.some((e) => e.role === 'user' && e.text === 'Where is order A-1001?')).toBe(true);
  expect(transcript.some((e) => e.role === 'assistant' && e.text.includes('Order A-1001 is'))).toBe(true);
  await page.click('#stop');
  await expect(page.locator('#start')).toBeEnabled({ timeout: 5_000 });
  expect(errors).toEqual([]);
});

test('the offline demo with other providers: Deepgram streaming STT, Anthropic LLM (a tool round trip), ElevenLabs over its socket', async ({ baseURL }) => {
  const page = await openDemo(baseURL!, { stt: 'deepgram', llm: 'anthropic', tts: 'elevenlabs' });
  await expect(page.locator('#transcript li.agent').first()).toContainText('offline demo', { timeout: 10_000 });
  // The fixture's late "hello", heard by the streaming STT, then answered.
  await expect(page.locator('#transcript li.user').first()).toContainText('s of speech', { timeout: HEARD_MS });
  await expect(page.locator('#transcript li.agent').nth(1)).toContainText('I heard', { timeout: 15_000 });
  await page.fill('#text', 'What time is it?');
  await page.click('#send');
  await expect(page.locator('#tools li').first()).toContainText('get_time', { timeout: 15_000 });
  await expect(page.locator('#transcript li.agent').nth(2)).toContainText('right now', { timeout: 20_000 });
  await page.click('#stop');
  await expect(page.locator('#start')).toBeEnabled({ timeout: 5_000 });
  const routes = ((await control(baseURL!, 'log')).requests as { route: string; status: number | null }[]).map((r) => r.route);
  // Each stage went over its own wire: the Anthropic Messages API, the ElevenLabs socket, the Deepgram socket.
  expect(routes.filter((r) => r === '/v1/messages').length).toBeGreaterThanOrEqual(2);
  expect(routes).toContain('/v1/text-to-speech/multi-stream-input');
  expect(routes).toContain('/v1/listen');
  expect(routes).not.toContain('/v1/chat/completions');
  expect(errors).toEqual([]);
});

test('the offline demo in speech-to-speech mode: OpenAI Realtime (its ek_ from /token) greets, and a typed question is answered', async ({ baseURL }) => {
  const page = await openDemo(baseURL!, { llm: 'realtime' });
  await expect(page.locator('#transcript li.agent').first()).not.toBeEmpty({ timeout: 15_000 });
  await page.fill('#text', 'What time is it?');
  await page.click('#send');
  await expect(page.locator('#transcript li.agent')).not.toHaveCount(1, { timeout: 20_000 });
  await page.click('#stop');
  await expect(page.locator('#start')).toBeEnabled({ timeout: 5_000 });
  const routes = ((await control(baseURL!, 'log')).requests as { route: string }[]).map((r) => r.route);
  // Speech to speech: one realtime socket, no STT, chat or TTS request.
  expect(routes).toContain('/v1/realtime');
  expect(routes.filter((r) => /transcriptions|chat\/completions|audio\/speech/.test(r))).toEqual([]);
  expect(errors).toEqual([]);
});
