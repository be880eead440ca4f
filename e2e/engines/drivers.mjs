// Firefox ESR and WebKitGTK from Debian, driven without Playwright (which cannot drive
// stock Firefox ESR and has no WebKitGTK build here; shared/notes/cross-browser.md):
//   firefox: puppeteer-core over WebDriver BiDi
//   webkit:  selenium-webdriver -> WebKitWebDriver -> MiniBrowser, under Xvfb
// Both expose the same small interface: goto(url), call(fnSource, ...args), close().
// The tests use earshot/testing's fake mic, so the engines' own capture is left to fail:
// WebKit has no capture device (mic-not-found), Firefox's mic is blocked (see below).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const MINIBROWSER = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Wraps `fnSource` (an async function's source) so the page returns `{ ok, value | error }`: errors cross the driver as data. */
function wrap(fnSource) {
  return `Promise.resolve().then(() => (${fnSource})(...__args)).then((value) => ({ ok: true, value }), (e) => ({ ok: false, error: e && e.message !== undefined ? e.name + ': ' + e.message + ' | ' + e.stack : String(e), name: e && e.name, code: e && e.code }))`;
}

function unwrap(r) {
  if (!r || !r.ok) {
    const err = new Error(`in page: ${r?.error ?? 'no result'}`);
    err.pageName = r?.name;
    err.pageCode = r?.code;
    throw err;
  }
  return r.value;
}

export async function launchFirefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: apt-get install -y firefox-esr`);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: {
      // The mock audio backend below brings a mock input device ("Fake Audio Input 2"), so
      // Firefox cannot be left without a mic; the microphone is blocked instead, and the
      // error test checks mic-permission-denied here (tests use earshot/testing's fake mic).
      'permissions.default.microphone': 2,
      'media.autoplay.default': 0,
      'media.autoplay.block-webaudio': false,
      // No sound device here: without a mock backend AudioContext.resume() never settles.
      'media.cubeb.force_mock_context': true,
    },
  });
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  return {
    name: 'firefox',
    version: await browser.version(),
    problems,
    async goto(url) {
      await page.goto(url, { waitUntil: 'load' });
    },
    async call(fnSource, ...args) {
      return unwrap(await page.evaluate(`(() => { const __args = ${JSON.stringify(args)}; return ${wrap(fnSource)}; })()`));
    },
    async close() {
      await browser.close();
    },
  };
}

/** A free loopback port (WebKitWebDriver needs one to listen on). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForUrl(url, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function launchWebKit() {
  const { Builder, Capabilities } = await import('selenium-webdriver');
  if (!existsSync(MINIBROWSER)) throw new Error(`${MINIBROWSER} is missing: apt-get install -y webkit2gtk-driver`);
  const children = [];
  const stop = () => {
    for (const c of children.reverse()) if (c.exitCode === null) c.kill();
  };
  try {
    // Xvfb picks a free display and writes its number to fd 3.
    const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    children.push(xvfb);
    const display = await new Promise((resolve, reject) => {
      xvfb.once('error', reject);
      xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
      xvfb.stdio[3].once('data', (d) => resolve(String(d).trim()));
    });
    const port = await freePort();
    const driverProc = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], {
      // fakeaudiosink: no ALSA device here; quiet output instead of noise on stderr.
      env: { ...process.env, DISPLAY: `:${display}`, ...(process.env.WEBKIT_FAKE_SINK ? { GST_PLUGIN_FEATURE_RANK: 'fakeaudiosink:MAX' } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(driverProc);
    const stderr = [];
    driverProc.stderr.on('data', (d) => stderr.push(String(d)));
    await waitForUrl(`http://127.0.0.1:${port}/status`, 10_000);
    const driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities(
        new Capabilities({
          browserName: 'MiniBrowser',
          // --automation must be listed when binary is given; without autoplay=allow resume() hangs.
          // No --enable-mock-capture-devices: see the header.
          'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation', '--autoplay-policy=allow'] },
        }),
      )
      .build();
    await driver.manage().setTimeouts({ script: 90_000, pageLoad: 30_000 });
    const caps = await driver.getCapabilities();
    return {
      name: 'webkit',
      version: `WebKitGTK ${caps.get('browserVersion') ?? '?'}`,
      problems: [],
      stderr,
      async goto(url) {
        await driver.get(url);
      },
      async call(fnSource, ...args) {
        const script = `const done = arguments[arguments.length - 1]; const __args = arguments[0]; ${wrap(fnSource)}.then(done);`;
        return unwrap(await driver.executeAsyncScript(script, args));
      },
      async close() {
        try {
          await driver.quit();
        } finally {
          stop();
        }
      },
    };
  } catch (err) {
    stop();
    throw err;
  }
}

export const LAUNCHERS = { firefox: launchFirefox, webkit: launchWebKit };
