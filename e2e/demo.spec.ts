import { expect, test } from './support/test';
import { launch } from './support/browser';
import { control } from './support/agent-run';

test('the offline demo: greeting, a spoken turn answered honestly, a typed question answered with the time tool', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  const browser = await launch({ wav: 'late-hello' });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(baseURL!);
    await page.click('#start');
    // Includes the VAD's first load (compiling 14 MB of wasm): about 8 s on the CI machine
    // and more when it is busy. A guard against a hang, not a goal: start-up is in the bench.
    await expect(page.locator('#status')).toContainText('Listening', { timeout: 45_000 });
    // The greeting from onEnter, then the user's line, which the offline STT reports honestly.
    await expect(page.locator('#transcript li.agent').first()).toContainText('offline demo', { timeout: 10_000 });
    await expect(page.locator('#transcript li.user').first()).toContainText('s of speech', { timeout: 15_000 });
    await expect(page.locator('#transcript li.agent').nth(1)).toContainText('I heard', { timeout: 15_000 });
    // Typed text goes through the LLM and the get_time tool.
    await page.fill('#text', 'What time is it?');
    await page.click('#send');
    await expect(page.locator('#tools li').first()).toContainText('get_time', { timeout: 10_000 });
    await expect(page.locator('#transcript li.agent').nth(2)).toContainText('right now', { timeout: 15_000 });
    await expect(page.locator('#latency .bar')).not.toHaveCount(0);
    expect(await page.locator('#out-level').evaluate((m: HTMLMeterElement) => m.value)).toBeGreaterThanOrEqual(0);
    await page.click('#stop');
    await expect(page.locator('#start')).toBeEnabled({ timeout: 5_000 });
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('the offline demo with other providers: Deepgram streaming STT, Anthropic LLM (a tool round trip), ElevenLabs over its socket', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  const browser = await launch({ wav: 'late-hello' });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(baseURL!);
    await page.click('#settings summary'); // the provider settings are folded away
    await page.selectOption('[data-stage="stt"][data-field="provider"]', 'deepgram');
    await page.selectOption('[data-stage="llm"][data-field="provider"]', 'anthropic');
    await page.selectOption('[data-stage="tts"][data-field="provider"]', 'elevenlabs');
    await page.click('#start');
    await expect(page.locator('#status')).toContainText('Listening', { timeout: 45_000 });
    await expect(page.locator('#transcript li.agent').first()).toContainText('offline demo', { timeout: 10_000 });
    // The fixture's late "hello", heard by the streaming STT, then answered.
    await expect(page.locator('#transcript li.user').first()).toContainText('s of speech', { timeout: 15_000 });
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
  } finally {
    await browser.close();
  }
});

test('the offline demo in speech-to-speech mode: OpenAI Realtime (its ek_ from /token) greets, and a typed question is answered', async ({ baseURL }) => {
  await control(baseURL!, 'reset', {});
  const browser = await launch({ wav: 'late-hello' });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(baseURL!);
    await page.click('#settings summary');
    await page.selectOption('[data-stage="llm"][data-field="provider"]', 'realtime');
    await page.click('#start');
    await expect(page.locator('#status')).toContainText('Listening', { timeout: 45_000 });
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
  } finally {
    await browser.close();
  }
});
