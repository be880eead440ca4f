#!/usr/bin/env node
// Bundle size check, per entry (scripts/entries.mjs): gzip -9 bytes of the ES entry plus
// every chunk it imports statically (what a page downloads for `import … from 'earshot/x'`;
// for an entry beside the core this includes earshot.js, and "beyond the core" is printed
// too), and of its self-contained IIFE. Each must be within the entry's budget (package.json
// `sizeBudget`, by export subpath; "*" for the rest). The worklets, worker, wasm and model
// load on start() and are not part of it. Prints every entry; exits 1 when one is over its
// budget or missing. Run after `npm run build`.
//   npm run size
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { libEntries, ROOT } from './entries.mjs';

/** gzip -9 size in bytes of `file`, or null if it does not exist. */
export function gzipSize(file) {
  if (!existsSync(file)) return null;
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

// Relative static imports of a built ES file: `import…from"./x.js"`, `import"./x.js"`, `export…from"./x.js"`.
const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*["'](\.\/[^"']+\.js)["']/g;

/** `file` and every ES chunk it reaches through static relative imports (absolute paths). */
export function staticGraph(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  if (!existsSync(file)) return seen;
  for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) staticGraph(join(dirname(file), m[1]), seen);
  return seen;
}

/**
 * [{ entry, format, file, files, bytes, gzip, own, budget, over }]: the ES graph and the IIFE of
 * every entry of `root`'s package.json; `file` is relative to `distDir` (default root/dist).
 */
export function checkSizes(root = ROOT, distDir = join(root, 'dist')) {
  const rows = [];
  const entries = libEntries(root);
  const coreFiles = staticGraph(join(distDir, entries.find((e) => e.subpath === '.').esm.replace(/^dist\//, '')));
  for (const e of entries) {
    for (const [format, path] of [['es', e.esm], ['iife', e.iife]]) {
      const file = path.replace(/^dist\//, '');
      const files = format === 'es' ? [...staticGraph(join(distDir, file))] : [join(distDir, file)];
      const sizes = files.map((f) => ({ gzip: gzipSize(f), bytes: existsSync(f) ? readFileSync(f).length : null }));
      const missing = sizes.some((s) => s.gzip === null);
      const gzip = missing ? null : sizes.reduce((a, s) => a + s.gzip, 0);
      const bytes = missing ? null : sizes.reduce((a, s) => a + s.bytes, 0);
      // What this entry adds to a page that already loads the core (ES: shared files are fetched once).
      const own = missing ? null : files.reduce((a, f, i) => a + (format === 'es' && e.subpath !== '.' && coreFiles.has(f) ? 0 : sizes[i].gzip), 0);
      rows.push({ entry: e.subpath, format, file, files: files.length, bytes, gzip, own, budget: e.budget, over: gzip === null || gzip > e.budget });
    }
  }
  return rows;
}

const kb = (n) => (n === null ? 'missing' : `${(n / 1024).toFixed(1)} KB`);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = checkSizes();
  for (const r of rows) {
    const what = `dist/${r.file}${r.files > 1 ? ` + ${r.files - 1} chunk(s)` : ''}`;
    const extra = r.own !== null && r.own !== r.gzip ? `, ${kb(r.own)} beyond the core` : '';
    console.log(`${r.over ? 'OVER' : 'ok  '}  ${r.entry.padEnd(12)} ${r.format.padEnd(4)} ${what.padEnd(36)} ${kb(r.gzip).padStart(9)} gzip (${kb(r.bytes)} raw${extra})  budget ${kb(r.budget)}`);
  }
  const over = rows.filter((r) => r.over);
  if (over.length) {
    console.error(`check-size: ${over.map((r) => `${r.entry} (${r.format})`).join(', ')} over budget or missing (raise sizeBudget in package.json only on purpose)`);
    process.exit(1);
  }
}
