// Launches Debian's Chromium with a fake microphone fed from a fixture WAV.
// `npx playwright install` cannot work here (no browser downloads), so the binary is
// given by path: CHROMIUM_PATH, else Debian's real binary, else its launcher script.
import { chromium, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/generated');

export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  // The launcher /usr/bin/chromium is a shell script that adds flags (toolchain P10).
  return existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
}

export interface LaunchOptions {
  /** Fixture name (without .wav) for the fake mic; omitted: Chromium's beep generator. */
  wav?: string;
  /** Play the file once, then silence (default true). */
  noloop?: boolean;
  /** Provide a fake capture device (default true). Off: the machine's real devices, i.e. none. */
  fakeDevice?: boolean;
  /** Auto-accept the permission prompt (default true). Off: prompts are denied. */
  grantMic?: boolean;
}

export function chromiumArgs(o: LaunchOptions = {}): string[] {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    // WebRTC to the local stand-in (realtime.spec): Chromium gathers no loopback candidate by
    // default, and the stand-in answers only on 127.0.0.1 (no packet leaves the machine).
    '--allow-loopback-in-peer-connection',
  ];
  if (o.grantMic ?? true) args.push('--use-fake-ui-for-media-stream');
  else args.push('--deny-permission-prompts');
  if (o.fakeDevice ?? true) {
    args.push('--use-fake-device-for-media-stream');
    if (o.wav) {
      const file = resolve(FIXTURES, `${o.wav}.wav`);
      if (!existsSync(file)) throw new Error(`fixture ${file} is missing: run npm run fixtures`);
      // A missing file would give a silent track and no error (toolchain P7).
      args.push(`--use-file-for-fake-audio-capture=${file}${(o.noloop ?? true) ? '%noloop' : ''}`);
    }
  }
  return args;
}

export async function launch(o: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs(o) });
}

/**
 * Like {@link launch}, but on one profile per worker and run, kept across its launches:
 * the HTTP cache, V8's code cache and the SDK's own caches (the VAD model in IndexedDB, the
 * ORT wasm in the Cache API) carry over from test to test, so a test pays a warm start
 * (about 2 s less per test on the 2-core machine than `browser.newPage()`, whose context
 * starts empty). For tests whose subject is not a first load or a cache; the mic fixture
 * still differs per launch. Close it (all its pages) like a browser.
 */
export async function launchWarm(o: LaunchOptions = {}): Promise<BrowserContext> {
  // The runner's pid names the run: a new run starts cold, workers never share a profile.
  const dir = resolve(tmpdir(), `earshot-e2e-${process.ppid}`, String(test.info().parallelIndex));
  return chromium.launchPersistentContext(dir, { executablePath: chromiumPath(), args: chromiumArgs(o) });
}

/** A page on the harness, with `window.E` = the SDK's exports (the built dist/, through Vite; `window.Testing` = earshot/testing). */
export async function openHarness(browser: Browser | BrowserContext, baseURL: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.error('[pageerror]', err));
  await page.goto(new URL('/e2e/pages/harness.html', baseURL).href);
  await page.waitForFunction(() => (window as unknown as { E?: unknown }).E !== undefined);
  return page;
}

export interface FixtureInfo {
  file: string;
  sampleRate: number;
  durationSec: number;
  speech: { startSec: number; endSec: number; text?: string }[];
  clicks: { startSec: number; endSec: number }[];
}

export function fixture(name: string): FixtureInfo {
  return JSON.parse(readFileSync(resolve(FIXTURES, `${name}.json`), 'utf8')) as FixtureInfo;
}
