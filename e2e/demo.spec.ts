import { expect, test } from '@playwright/test';
import { launch } from './support/browser';

test('the demo page starts, meters move, and an utterance shows up', async ({ baseURL }) => {
  const browser = await launch({ wav: 'utt-en-us' });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(baseURL!);
    await page.click('#start');
    await expect(page.locator('#status')).toContainText('Listening', { timeout: 15_000 });
    await expect(page.locator('#vad-light')).toHaveClass(/on/, { timeout: 5_000 });
    await expect(page.locator('#utterances li')).toHaveCount(1, { timeout: 8_000 });
    expect(await page.locator('#in-level').evaluate((m: HTMLMeterElement) => m.value)).toBeGreaterThanOrEqual(0);
    // The mixer buttons: background loop, then voice on top; the output meter rises.
    await page.click('#toggle-bg');
    await page.click('#play-voice');
    await expect.poll(() => page.locator('#out-level').evaluate((m: HTMLMeterElement) => m.value), { timeout: 3_000 }).toBeGreaterThan(0.05);
    await page.click('#stop');
    await expect(page.locator('#start')).toBeEnabled();
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
