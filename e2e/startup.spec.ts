import { expect, test, type Browser, type BrowserContext, type Page } from './support/test';
import { launch } from './support/browser';

// Start-up reuse (issue 9): one VAD worker per page, ORT and the model loaded once; a new
// page finds the wasm in the Cache API and the model in IndexedDB; damaged cache entries
// fall back to the network. Counted (workers constructed, the worker's own fetches,
// `cached` progress), never timed: timing lives in the bench (figure 5).

const RUNTIME_FILE = /\/(silero_vad_v5\.onnx|ort-wasm-simd-threaded\.wasm)$/;

/** A harness page whose `Worker` constructor counts the VAD workers it makes. */
async function openCounted(browser: Browser | BrowserContext, baseURL: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.error('[pageerror]', err));
  await page.addInitScript(() => {
    const w = window as unknown as { vadWorkers: number; Worker: typeof Worker };
    w.vadWorkers = 0;
    const Native = w.Worker;
    w.Worker = class extends Native {
      constructor(url: string | URL, options?: WorkerOptions) {
        if (options?.name === 'earshot-vad') w.vadWorkers++;
        super(url, options);
      }
    };
  });
  await page.goto(new URL('/e2e/pages/harness.html', baseURL).href);
  await page.waitForFunction(() => (window as unknown as { E?: unknown }).E !== undefined);
  return page;
}

/** preload() of a new SileroVAD; its progress events; it stays held in `window.held`. */
function preload(page: Page): Promise<{ ok: boolean; message?: string; progress: { asset: string; cached: boolean }[] }> {
  return page.evaluate(async () => {
    const w = window as any;
    const vad = new w.E.SileroVAD();
    (w.held ??= []).push(vad);
    const progress: { asset: string; cached: boolean }[] = [];
    vad.on('vad_load_progress', (e: any) => progress.push({ asset: e.asset, cached: e.cached }));
    try {
      await vad.preload();
      return { ok: true, progress };
    } catch (e: any) {
      return { ok: false, message: `${e.name}: ${e.message}`, progress };
    }
  });
}

/** The runtime files the page's VAD worker fetched from the network (or HTTP cache), by name. */
async function workerFetches(page: Page): Promise<string[]> {
  const worker = page.workers().find((w) => /vad\.worker/.test(w.url()));
  expect(worker).toBeDefined();
  const names = await worker!.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  return names.filter((n) => RUNTIME_FILE.test(n)).map((n) => n.split('/').pop()!);
}

/** Waits until the Cache API holds the ORT wasm and IndexedDB the model (both written in the background). */
async function cachesFilled(page: Page): Promise<void> {
  // Polled from here: the check is async (Cache API, IndexedDB), and a promise is no flag.
  await expect.poll(() => page.evaluate(async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith('earshot-ort-'));
    let wasm = false;
    for (const n of names) wasm ||= (await (await caches.open(n)).keys()).length > 0;
    const model = await new Promise<boolean>((resolve) => {
      const open = indexedDB.open('keyval-store');
      open.onerror = () => resolve(false);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('keyval')) return resolve(false);
        const keys = db.transaction('keyval').objectStore('keyval').getAllKeys();
        keys.onsuccess = () => resolve(keys.result.some((k) => String(k).startsWith('earshot:model:')));
        keys.onerror = () => resolve(false);
      };
    });
    return wasm && model;
  }), { timeout: 30_000 }).toBe(true);
}

test('SileroVADs of a page share one worker; ORT and the model are fetched once', async ({ baseURL }) => {
  const browser = await launch();
  try {
    const page = await openCounted(browser, baseURL!);
    expect((await preload(page)).ok).toBe(true);
    expect((await preload(page)).ok).toBe(true); // a second instance while the first holds it
    expect(await page.evaluate(() => (window as any).vadWorkers)).toBe(1);
    // Closed, then a new one within keepWarmMs (default 5 s): the same worker, still loaded.
    await page.evaluate(() => {
      const w = window as any;
      for (const v of w.held.splice(0)) v.close();
    });
    const again = await preload(page);
    expect(again.ok).toBe(true);
    expect(again.progress).toEqual([]); // nothing loaded again, not even from a cache
    expect(await page.evaluate(() => (window as any).vadWorkers)).toBe(1);
    expect((await workerFetches(page)).sort()).toEqual(['ort-wasm-simd-threaded.wasm', 'silero_vad_v5.onnx']);
    // The control: once released, the next instance needs a new worker, and the counter sees it.
    await page.evaluate(() => {
      const w = window as any;
      for (const v of w.held.splice(0)) v.close();
      w.E.SileroVAD.release();
    });
    expect((await preload(page)).ok).toBe(true);
    expect(await page.evaluate(() => (window as any).vadWorkers)).toBe(2);
  } finally {
    await browser.close();
  }
});

test('a new page loads the wasm from the Cache API and the model from IndexedDB, not the network', async ({ baseURL }) => {
  const browser = await launch();
  try {
    const context = await browser.newContext();
    const first = await openCounted(context, baseURL!);
    const cold = await preload(first);
    expect(cold.ok).toBe(true);
    expect(cold.progress.some((p) => p.cached)).toBe(false);
    expect((await workerFetches(first)).sort()).toEqual(['ort-wasm-simd-threaded.wasm', 'silero_vad_v5.onnx']);
    await cachesFilled(first);
    await first.close();

    const second = await openCounted(context, baseURL!);
    const warm = await preload(second);
    expect(warm.ok).toBe(true);
    expect(new Set(warm.progress.filter((p) => p.cached).map((p) => p.asset))).toEqual(new Set(['wasm', 'model']));
    expect(await workerFetches(second)).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('damaged cache entries (wasm and model) fall back to the network and are replaced', async ({ baseURL }) => {
  const browser = await launch();
  try {
    const context = await browser.newContext();
    const first = await openCounted(context, baseURL!);
    expect((await preload(first)).ok).toBe(true);
    await cachesFilled(first);
    // Garbage where the wasm and the model were: what a cut write or another app leaves.
    const damaged = await first.evaluate(async () => {
      let wasm = 0;
      for (const n of (await caches.keys()).filter((k) => k.startsWith('earshot-ort-'))) {
        const cache = await caches.open(n);
        for (const req of await cache.keys()) {
          await cache.put(req, new Response(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 2, 3]), { headers: { 'content-type': 'application/wasm' } }));
          wasm++;
        }
      }
      const model = await new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('keyval', 'readwrite');
          const store = tx.objectStore('keyval');
          let n = 0;
          const keys = store.getAllKeys();
          keys.onsuccess = () => {
            for (const k of keys.result) if (String(k).startsWith('earshot:model:')) (store.put(new Uint8Array([8, 7, 1, 2, 3]).buffer, k), n++);
          };
          tx.oncomplete = () => resolve(n);
          tx.onerror = () => reject(tx.error);
        };
      });
      return { wasm, model };
    });
    expect(damaged).toEqual({ wasm: 1, model: 1 });
    await first.close();

    const second = await openCounted(context, baseURL!);
    const out = await preload(second);
    expect(out).toMatchObject({ ok: true });
    // Both came from the network again (the damaged entries were tried and dropped).
    expect((await workerFetches(second)).sort()).toEqual(['ort-wasm-simd-threaded.wasm', 'silero_vad_v5.onnx']);
    await cachesFilled(second);
    const sizes = await second.evaluate(async () => {
      let wasm = 0;
      for (const n of (await caches.keys()).filter((k) => k.startsWith('earshot-ort-'))) {
        for (const res of await (await caches.open(n)).matchAll()) wasm = Math.max(wasm, (await res.arrayBuffer()).byteLength);
      }
      const model = await new Promise<number>((resolve) => {
        const open = indexedDB.open('keyval-store');
        open.onsuccess = () => {
          const all = open.result.transaction('keyval').objectStore('keyval').getAll();
          all.onsuccess = () => resolve(Math.max(0, ...all.result.map((v: ArrayBuffer) => v.byteLength ?? 0)));
        };
      });
      return { wasm, model };
    });
    expect(sizes.wasm).toBeGreaterThan(1_000_000); // the real 14 MB wasm again
    expect(sizes.model).toBeGreaterThan(1_000_000); // the real 2.3 MB model again
  } finally {
    await browser.close();
  }
});
