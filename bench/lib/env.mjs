// What every benchmark needs: the Vite dev server (with the local provider server under
// /local-ai and the bench pages), headless Chromium with a fake mic, and the control API.
import { cpSync, createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'e2e/fixtures/generated');
export const PORT = Number(process.env.BENCH_PORT ?? 5198);
export const BASE = `http://127.0.0.1:${PORT}`;

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.map': 'application/json', '.json': 'application/json',
};

function sendFile(res, file, cache) {
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size, 'cache-control': cache });
  createReadStream(file).pipe(res);
}

/**
 * Copies dist/ to a private folder, so a concurrent `npm run build` (which empties dist/)
 * cannot pull files from under the start-up benchmark. Served at /bench-dist/.
 */
export function snapshotDist() {
  const dist = join(ROOT, 'dist');
  for (const f of ['earshot.js', 'earshot.iife.js', 'runtime/silero_vad_v5.onnx', 'runtime/ort-wasm-simd-threaded.wasm']) {
    if (!existsSync(join(dist, f))) throw new Error(`dist/${f} is missing: run npm run build first`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-dist-'));
  cpSync(dist, dir, { recursive: true, filter: (src) => !src.endsWith('.map') });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Vite plugin: vad-web's worklet for MicVAD (never committed, served from node_modules) and the dist snapshot. */
function benchAssets(distDir) {
  const vadWebDist = join(ROOT, 'node_modules/@ricky0123/vad-web/dist');
  return {
    name: 'earshot-bench-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
        if (path === '/runtime/vad.worklet.bundle.min.js') return sendFile(res, join(vadWebDist, 'vad.worklet.bundle.min.js'), 'no-cache');
        if (distDir && path.startsWith('/bench-dist/')) {
          const file = join(distDir, normalize(path.slice('/bench-dist/'.length)));
          // A static host with ordinary caching: a warm start finds everything in the HTTP cache.
          if (file.startsWith(distDir) && existsSync(file) && statSync(file).isFile()) return sendFile(res, file, 'public, max-age=3600');
          res.writeHead(404).end('not found');
          return;
        }
        next();
      });
    },
  };
}

/** Starts Vite on PORT with the project's config (provider server at /local-ai), HMR off. */
export async function startServer({ distDir } = {}) {
  const { createServer } = await import('vite');
  const server = await createServer({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    // Own dependency cache: other engineers' dev servers share node_modules/.vite, and a
    // different optimizeDeps list here would re-optimize (and break) theirs.
    cacheDir: join(ROOT, 'node_modules/.vite-bench'),
    logLevel: 'warn',
    clearScreen: false,
    // No HMR: others edit src/ during a run, and a reload would kill the page mid-benchmark.
    server: { port: PORT, strictPort: true, host: '127.0.0.1', hmr: false },
    optimizeDeps: { include: ['@ricky0123/vad-web/dist/real-time-vad.js'] },
    plugins: [benchAssets(distDir)],
  });
  await server.listen();
  return server;
}

export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
}

/** The same flags as e2e/support/browser.ts (fake mic playing `wav` once, then silence). */
export function chromiumArgs(wav) {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  ];
  if (wav) {
    const file = join(FIXTURES, `${wav}.wav`);
    if (!existsSync(file)) throw new Error(`fixture ${file} is missing: run npm run fixtures`);
    args.push(`--use-file-for-fake-audio-capture=${file}%noloop`);
  }
  return args;
}

export function launch(wav) {
  return chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs(wav) });
}

/** Opens a bench page and waits for its `window.ready` flag (set once its modules loaded). */
export async function openPage(browserOrContext, path, log = () => {}) {
  const page = await browserOrContext.newPage();
  page.on('pageerror', (err) => log(`[pageerror] ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') log(`[console.${msg.type()}] ${msg.text()}`);
  });
  await page.goto(`${BASE}${path}`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
  return page;
}

/** The local provider server's control API (/local-ai/__control/...). */
export async function control(path, body) {
  const res = await fetch(`${BASE}/local-ai/__control/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${path}: HTTP ${res.status}`);
  return res.json();
}

/** Synthesizes `text` once so the server's espeak-ng cache holds it (TTS time = configured delay only). */
export async function warmTts(texts, speed) {
  for (const input of texts) {
    const res = await fetch(`${BASE}/local-ai/v1/audio/speech`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini-tts', input, voice: 'alloy', response_format: 'pcm', ...(speed ? { speed } : {}) }),
    });
    await res.arrayBuffer();
  }
}

export function machine(chromiumVersion) {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    freeMemoryGB: Math.round(freemem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    chromium: chromiumVersion,
    loadAvg1m: Number(loadavg()[0].toFixed(2)),
  };
}
