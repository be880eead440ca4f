#!/usr/bin/env node
// Bundle size check: gzip size of each file listed under `sizeBudget` in package.json
// (bytes, gzip level 9, the wasm and model in runtime/ are not part of it). Prints a table
// and exits 1 when a file is over its budget or missing. Run after `npm run build`.
//   npm run size
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** gzip -9 size in bytes of `file`, or null if it does not exist. */
export function gzipSize(file) {
  if (!existsSync(file)) return null;
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

/** [{ file, bytes, gzip, budget, over }] for every budgeted file (paths relative to `root`). */
export function checkSizes(root = ROOT, budget = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).sizeBudget ?? {}) {
  return Object.entries(budget).map(([file, limit]) => {
    const path = join(root, file);
    const gzip = gzipSize(path);
    const bytes = gzip === null ? null : readFileSync(path).length;
    return { file, bytes, gzip, budget: limit, over: gzip === null || gzip > limit };
  });
}

const kb = (n) => (n === null ? 'missing' : `${(n / 1024).toFixed(1)} KB`);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = checkSizes();
  if (rows.length === 0) {
    console.error('check-size: no "sizeBudget" in package.json');
    process.exit(1);
  }
  for (const r of rows) {
    console.log(`${r.over ? 'OVER' : 'ok  '}  ${r.file.padEnd(24)} ${kb(r.gzip).padStart(9)} gzip (${kb(r.bytes)} raw)  budget ${kb(r.budget)}`);
  }
  const over = rows.filter((r) => r.over);
  if (over.length) {
    console.error(`check-size: ${over.map((r) => r.file).join(', ')} over budget (raise sizeBudget in package.json only on purpose)`);
    process.exit(1);
  }
}
