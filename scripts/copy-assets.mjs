#!/usr/bin/env node
// Copies the runtime assets (Silero model, ORT wasm-only build) out of node_modules.
// They are never committed: `postinstall` fills public/runtime/ for the dev server,
// `npm run build` fills dist/runtime/ for the package. Usage: copy-assets.mjs [outDir]
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const outDir = resolve(process.argv[2] ?? 'public/runtime');

// onnxruntime-web has no "./package.json" export (toolchain P2): resolve an exported file instead.
const ortDir = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
const vadDir = join(dirname(require.resolve('@ricky0123/vad-web/package.json')), 'dist');

const files = [
  [vadDir, 'silero_vad_v5.onnx'],
  [ortDir, 'ort-wasm-simd-threaded.mjs'],
  [ortDir, 'ort-wasm-simd-threaded.wasm'],
];

mkdirSync(outDir, { recursive: true });
for (const [dir, name] of files) {
  copyFileSync(join(dir, name), join(outDir, name));
  console.log(`runtime: ${name} (${statSync(join(outDir, name)).size} bytes) -> ${outDir}`);
}
