import { expect, test, type Page } from './support/test';
import { launch, openHarness } from './support/browser';
import { startAssetServer, type AssetServer } from './support/asset-server';

// A runtime file that is missing, or answered with an HTML page (an SPA fallback), must
// fail with an AssetLoadError that names the URL, what came back and the fix; never with
// ORT's "no available backend found". The files come from a real server that serves them
// wrong (e2e/support/asset-server.ts); nothing in the SDK is mocked.

const FILE = { model: 'silero_vad_v5.onnx', wasm: 'ort-wasm-simd-threaded.wasm', glue: 'ort-wasm-simd-threaded.mjs' } as const;

interface Outcome {
  ok: boolean;
  name?: string;
  code?: string;
  url?: string;
  status?: number;
  contentType?: string | null;
  message?: string;
}

/** preload() of a SileroVAD on `base`: loads the worker, ORT and the model, no mic needed. */
function preload(page: Page, base: string): Promise<Outcome> {
  return page.evaluate(async (base) => {
    const vad = new (window as any).E.SileroVAD({ assetBaseUrl: base, cacheModel: false });
    try {
      await vad.preload();
      return { ok: true };
    } catch (e: any) {
      return { ok: false, name: e.name, code: e.code, url: e.url, status: e.status, contentType: e.contentType, message: e.message };
    } finally {
      vad.close();
      (window as any).E.SileroVAD.release();
    }
  }, base);
}

let server: AssetServer;
test.beforeAll(async () => {
  server = await startAssetServer();
});
test.afterAll(async () => {
  await server.close();
});

for (const kind of ['model', 'wasm', 'glue'] as const) {
  test(`the ${kind} file missing or served as HTML gives an AssetLoadError with URL, content type and fix`, async ({ baseURL }) => {
    const browser = await launch();
    try {
      const page = await openHarness(browser, baseURL!);
      for (const [fault, status, type] of [['html', 200, 'text/html; charset=utf-8'], ['404', 404, 'text/plain']] as const) {
        const base = server.base(kind, fault);
        const out = await preload(page, base);
        expect(out, `${kind} ${fault}`).toMatchObject({ ok: false, name: 'AssetLoadError', code: 'asset-load-failed', url: base + FILE[kind], status, contentType: type });
        expect(out.message).toContain(base + FILE[kind]);
        expect(out.message).toContain(type);
        expect(out.message).toContain(`HTTP ${status}`);
        expect(out.message).toContain('assetBaseUrl');
        expect(out.message).toContain('README');
        expect(out.message).not.toMatch(/no available backend/i);
      }
    } finally {
      await browser.close();
    }
  });
}

test('binaries with the right content type but an HTML page as bytes are caught by their first bytes', async ({ baseURL }) => {
  const browser = await launch();
  try {
    const page = await openHarness(browser, baseURL!);
    for (const kind of ['model', 'wasm'] as const) {
      const base = server.base(kind, 'junk');
      const out = await preload(page, base);
      expect(out, kind).toMatchObject({ ok: false, name: 'AssetLoadError', url: base + FILE[kind], status: 200 });
      expect(out.message).toContain('HTML');
      expect(out.message).toContain('assetBaseUrl');
      expect(out.message).not.toMatch(/no available backend/i);
    }
  } finally {
    await browser.close();
  }
});

test('a whole folder answered by an SPA fallback names one of its files, not ORT', async ({ baseURL }) => {
  const browser = await launch();
  try {
    const page = await openHarness(browser, baseURL!);
    const base = server.base('all', 'html');
    const out = await preload(page, base);
    expect(out).toMatchObject({ ok: false, name: 'AssetLoadError', status: 200, contentType: 'text/html; charset=utf-8' });
    expect(Object.values(FILE).map((f) => base + f)).toContain(out.url);
  } finally {
    await browser.close();
  }
});

test('the wasm served as application/octet-stream still loads (compiled from its bytes)', async ({ baseURL }) => {
  const browser = await launch();
  try {
    const page = await openHarness(browser, baseURL!);
    expect(await preload(page, server.base('wasm', 'octet'))).toEqual({ ok: true });
  } finally {
    await browser.close();
  }
});
