#!/usr/bin/env node
// The library build, into dist/:
// - one ES build of every entry (scripts/entries.mjs), sharing chunks: dist/<name>.js;
// - one IIFE per entry for script tags, each adding its exports to `window.Earshot`
//   (IIFE output cannot share chunks, so each is self-contained): dist/<name>.iife.js;
// - the worklets and the VAD worker in dist/assets/ (Vite, from the `?worker&url` imports);
// - the model and ORT wasm copied from node_modules into dist/runtime/.
// The shared settings (base './', resolve conditions, worker format) are vite.config.ts's
// `lib` mode. `__EARSHOT_IIFE__` tells src/assets.ts which build it is in.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';
import { build } from 'vite';
import { libEntries, ROOT } from './entries.mjs';
import { runtimeFiles } from './runtime-files.mjs';

const entries = libEntries();
const dist = join(ROOT, 'dist');
const common = { root: ROOT, configFile: join(ROOT, 'vite.config.ts'), mode: 'lib', logLevel: 'warn', clearScreen: false };

rmSync(dist, { recursive: true, force: true });

// src/assets.ts marks its `new URL('./runtime/…', import.meta.url)` with `@vite-ignore`, so
// this lib build (which inlines every asset it sees) leaves them alone. The minifier keeps
// the comment; a consumer's Vite would then skip them too. Blank it out, same length, so
// the source maps stay exact.
const unmarkViteIgnore = {
  name: 'earshot-unmark-vite-ignore',
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type === 'chunk') chunk.code = chunk.code.replace(/\/\*\s*@vite-ignore\s*\*\//g, (c) => ' '.repeat(c.length));
    }
  },
};

const coreSrc = join(ROOT, entries.find((e) => e.subpath === '.').src);
let coreSet = null;
/** Ids of the modules the core entry reaches through static imports (memoised per build). */
function coreModules(getModuleInfo) {
  if (coreSet) return coreSet;
  coreSet = new Set();
  const stack = [coreSrc];
  while (stack.length) {
    const id = stack.pop();
    if (coreSet.has(id)) continue;
    const info = getModuleInfo(id);
    if (!info) continue;
    coreSet.add(id);
    stack.push(...info.importedIds);
  }
  return coreSet;
}

await build({
  ...common,
  plugins: [unmarkViteIgnore],
  define: { __EARSHOT_IIFE__: 'false' },
  build: {
    emptyOutDir: false,
    // Plus one internal module, not an entry point of the package: the core's extras
    // (src/extras.ts: the handover, the recording, audio file decoding; standalone), which the core loads on
    // first use and the script-tag build imports from beside itself.
    lib: { entry: { ...Object.fromEntries(entries.map((e) => [e.name, e.src])), extras: join(ROOT, 'src/extras.ts') }, formats: ['es'], fileName: (_format, name) => `${name}.js` },
    rollupOptions: {
      // Code shared with the core may live in earshot.js itself (which then exports a few
      // extra mangled names) instead of a separate chunk that every page would fetch.
      preserveEntrySignatures: 'allow-extension',
      output: {
        // Minify the ES build too (Vite leaves lib ES output unminified): the size budget is
        // what a page downloads when it imports dist/earshot.js directly. Terser runs after.
        minify: true,
        // Flat: every chunk sits beside runtime/ and assets/, which src/assets.ts and the
        // worklet URLs reach as './runtime/…' and 'assets/…'.
        chunkFileNames: '[name]-[hash].js',
        // Everything the core imports lives in earshot.js itself: the other entries import
        // it from there. Left to Rollup, code shared by different sets of entries is split
        // into several chunks, and each costs the core page a request and its own gzip frame.
        manualChunks(id, { getModuleInfo }) {
          return coreModules(getModuleInfo).has(id) ? 'earshot' : undefined;
        },
      },
    },
  },
});

for (const e of entries) {
  await build({
    ...common,
    define: { __EARSHOT_IIFE__: 'true' },
    build: {
      emptyOutDir: false,
      lib: { entry: e.src, name: 'Earshot', formats: ['iife'], fileName: () => `${e.name}.iife.js` },
      // `extend`: `window.Earshot = window.Earshot || {}`, then this entry's exports are added.
      rollupOptions: { output: { extend: true } },
    },
  });
}

// Then Terser (three compress passes) over each file of dist/: about 1% smaller after gzip
// than Vite's minifier alone (the core: 25,645 → 25,431 B ES, 25,666 → 25,527 B IIFE when this
// came in), which the 25 KB budget needs. The source maps are carried through.
for (const name of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
  const file = join(dist, name);
  const mapFile = `${file}.map`;
  const map = existsSync(mapFile) ? readFileSync(mapFile, 'utf8') : null;
  const r = await minify(readFileSync(file, 'utf8'), {
    module: !name.endsWith('.iife.js'),
    ecma: 2022,
    compress: { passes: 3 },
    format: { comments: false },
    ...(map ? { sourceMap: { content: map, url: `${name}.map` } } : {}),
  });
  writeFileSync(file, r.code);
  if (map) writeFileSync(mapFile, r.map);
}

mkdirSync(join(dist, 'runtime'), { recursive: true });
for (const [name, file] of Object.entries(runtimeFiles())) copyFileSync(file, join(dist, 'runtime', name));

console.log(`build-lib: ${entries.map((e) => `${e.esm} + ${e.iife}`).join(', ')}, dist/assets/, dist/runtime/`);
