// The runtime assets (Silero model, ORT wasm-only build), found in node_modules. They are
// never committed and never copied by an install script: `npm run dev` serves them from
// node_modules (runtimeAssets() below, at /runtime/), `npm run build` copies them into
// dist/runtime/ for the package.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** name -> absolute path of each file that dist/runtime/ ships. Names match src/assets.ts RUNTIME_FILES. */
export function runtimeFiles() {
  // onnxruntime-web has no "./package.json" export (toolchain P2): resolve an exported file instead.
  const ortDir = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  const vadDir = join(dirname(require.resolve('@ricky0123/vad-web/package.json')), 'dist');
  return {
    'silero_vad_v5.onnx': join(vadDir, 'silero_vad_v5.onnx'),
    'ort-wasm-simd-threaded.mjs': join(ortDir, 'ort-wasm-simd-threaded.mjs'),
    'ort-wasm-simd-threaded.wasm': join(ortDir, 'ort-wasm-simd-threaded.wasm'),
  };
}

const TYPES = { '.onnx': 'application/octet-stream', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/**
 * Vite plugin for this repo's dev and preview servers: GET /runtime/<file> streams the
 * file from node_modules with its real content type. A plain middleware rather than
 * public/: public files cannot be dynamic-imported in dev (toolchain P1), and nothing
 * has to be copied after `npm ci`.
 */
export function runtimeAssets() {
  const files = runtimeFiles();
  const serve = (req, res, next) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\//, '');
    const file = Object.hasOwn(files, name) ? files[name] : undefined;
    if (!file || !existsSync(file)) return next();
    res.writeHead(200, {
      'content-type': TYPES[name.slice(name.lastIndexOf('.'))],
      'content-length': statSync(file).size,
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  };
  return {
    name: 'earshot-runtime-assets',
    configureServer(server) {
      server.middlewares.use('/runtime', serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use('/runtime', serve);
    },
  };
}
