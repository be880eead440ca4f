import { expect, test } from './support/test';
import { launch, openHarness } from './support/browser';

async function startError(opts: Parameters<typeof launch>[0], baseURL: string) {
  const browser = await launch(opts);
  try {
    const page = await openHarness(browser, baseURL);
    return await page.evaluate(async () => {
      const { AudioEngine, EarshotError, MicrophoneError } = (window as any).E;
      const engine = new AudioEngine();
      try {
        await engine.start();
        return { ok: true };
      } catch (err: any) {
        // The engine tore down what it had built; a second start() must be possible.
        let closed = false;
        try {
          void engine.context;
        } catch {
          closed = true;
        }
        return {
          ok: false,
          name: err.name,
          code: err.code,
          isEarshot: err instanceof EarshotError,
          isMic: err instanceof MicrophoneError,
          cause: err.cause?.name,
          closed,
        };
      }
    });
  } finally {
    await browser.close();
  }
}

test('a denied permission rejects start() with mic-permission-denied', async ({ baseURL }) => {
  const r = await startError({ grantMic: false }, baseURL!);
  expect(r).toEqual({ ok: false, name: 'MicrophoneError', code: 'mic-permission-denied', isEarshot: true, isMic: true, cause: 'NotAllowedError', closed: true });
});

test('no capture device rejects start() with mic-not-found', async ({ baseURL }) => {
  const r = await startError({ fakeDevice: false }, baseURL!);
  expect(r).toEqual({ ok: false, name: 'MicrophoneError', code: 'mic-not-found', isEarshot: true, isMic: true, cause: 'NotFoundError', closed: true });
});

test('a granted fake device starts (control for the two above)', async ({ baseURL }) => {
  const r = await startError({}, baseURL!);
  expect(r).toEqual({ ok: true });
});

test('switching devices and losing the track keep the capture clock running', async ({ baseURL }) => {
  const browser = await launch({ wav: 'long-speech' });
  try {
    const page = await openHarness(browser, baseURL!);
    const r = await page.evaluate(async () => {
      const { AudioEngine, listMicrophones } = (window as any).E;
      const engine = new AudioEngine();
      const levels: number[] = [];
      const ended: string[] = [];
      engine.on('input_level_measured', (e: any) => levels.push(e.at));
      engine.on('microphone_ended', (e: any) => ended.push(e.label));
      await engine.start();
      const mics = await listMicrophones();
      const first = engine.microphone.track.label;
      const other = mics.find((m: MediaDeviceInfo) => m.deviceId !== engine.microphone.deviceId && m.deviceId !== 'default');
      await engine.microphone.open(other.deviceId);
      const second = engine.microphone.track.label;
      await new Promise((r) => setTimeout(r, 300));
      const before = levels.length;
      // What Chromium does when a device is unplugged: the track ends by itself.
      engine.microphone.track.dispatchEvent(new Event('ended'));
      await new Promise((r) => setTimeout(r, 300));
      const after = levels.length;
      engine.close();
      return { mics: mics.length, first, second, ended, before, after };
    });
    expect(r.mics).toBeGreaterThan(1);
    expect(r.second).not.toBe(r.first);
    expect(r.ended).toEqual([r.second]);
    expect(r.after - r.before).toBeGreaterThan(5); // ~30 levels/s went on
  } finally {
    await browser.close();
  }
});
