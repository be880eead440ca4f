#!/usr/bin/env node
// Earshot benchmarks: what a user feels, measured in headless Chromium with a fake mic and
// the local provider server (fixed, configured delays). One figure per module in bench/.
//
//   npm run bench                      build, fixtures, full run (< 10 min), BENCHMARKS.md
//   node bench/run.mjs --quick         smaller run for development (results.json only)
//   node bench/run.mjs --only=voice,soak,profile [--quick] [--write-md]
//
// Writes bench/results.json (gitignored) and, on a full run, the generated block of
// BENCHMARKS.md. Uses its own Vite dev server on BENCH_PORT (default 5198).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { runVoice } from './fig1-voice.mjs';
import { runVadCost } from './fig2-vad.mjs';
import { runBargeIn } from './fig3-barge-in.mjs';
import { runBargeInMatrix } from './fig3-matrix.mjs';
import { runStartup } from './fig5-startup.mjs';
import { runBundle } from './fig6-bundle.mjs';
import { runSoak } from './fig7-soak.mjs';
import { runProfile } from './fig8-profile.mjs';
import { chromiumPath, machine, ROOT, snapshotDist, startServer } from './lib/env.mjs';
import { printTable, renderBlock, tableRows, writeBenchmarksMd } from './lib/report.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const writeMd = args.includes('--write-md') || (!quick && !only);
const t0 = Date.now();
const log = (...m) => console.log(...m);
const want = (name) => !only || only.includes(name);

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const browser = await chromium.launch({ executablePath: chromiumPath() });
const chromiumVersion = browser.version();
await browser.close();

const results = {
  command: process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : `node bench/run.mjs${args.length ? ` ${args.join(' ')}` : ''}`,
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  quick,
  machine: machine(chromiumVersion),
  figures: {},
};

const snapshot = snapshotDist();
const server = await startServer({ distDir: snapshot.dir });
const figures = [
  ['bundle', () => runBundle({ distDir: snapshot.dir, budget: pkg.sizeBudget ?? { 'dist/earshot.js': 25600, 'dist/earshot.iife.js': 25600 } })],
  ['startup', () => runStartup({ quick, log })],
  ['vadCost', () => runVadCost({ quick, log })],
  ['voice', () => runVoice({ quick, log })],
  ['bargeIn', () => runBargeIn({ quick, log })],
  ['bargeInNoEchoGate', () => runBargeIn({ quick, log, interrupt: { echoRatio: 0 }, limit: quick ? 2 : 3 })],
  ['bargeInMatrix', () => runBargeInMatrix({ quick, log })],
  ['soak', () => runSoak({ quick, log })],
  ['profile', () => runProfile({ quick, log })],
];
try {
  for (const [name, run] of figures) {
    if (!want(name)) continue;
    const s = Date.now();
    log(`bench: ${name}…`);
    try {
      results.figures[name] = await run();
    } catch (err) {
      console.error(`bench: ${name} failed: ${err.stack ?? err}`);
      results.figures[name] = { error: String(err.message ?? err) };
    }
    results.figures[name].wallSec = Number(((Date.now() - s) / 1000).toFixed(1));
    log(`bench: ${name} done in ${results.figures[name].wallSec} s`);
  }
} finally {
  await server.close();
  snapshot.dispose();
}
results.wallSec = Number(((Date.now() - t0) / 1000).toFixed(1));

const rows = tableRows(results);
results.table = rows;
writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log();
printTable(rows);
console.log(`\nbench: ${results.wallSec} s; wrote bench/results.json${writeMd ? ' and BENCHMARKS.md' : ''}`);
if (writeMd) {
  const template = readFileSync(join(ROOT, 'bench/BENCHMARKS.template.md'), 'utf8');
  writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), renderBlock(results, rows), template);
}
