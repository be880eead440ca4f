#!/usr/bin/env node
// Earshot benchmarks: what a user feels, measured in headless Chromium with a fake mic and
// the local provider server (fixed, configured delays). One figure per module in bench/.
//
//   npm run bench                      build, fixtures, full run (~13 min), BENCHMARKS.md
//   node bench/run.mjs --quick         smaller run for development (results.json only)
//   node bench/run.mjs --only=voice,soak,profile [--quick] [--write-md] [--explain] [--fresh]
//
// Each figure is written as soon as it is measured: merged into bench/results.json
// (gitignored; the figures of earlier runs are kept, each with its own command, date and
// load average, unless --fresh) and, on a full run or with --write-md, into the generated
// block of BENCHMARKS.md. A run stopped half-way keeps what it measured.
// --explain adds figure 2's paced-run experiments (why a live frame costs more than a run
// back to back: ~70 s) and figure 1's floor (what one request costs before any SDK code: ~40 s). Uses its own Vite dev server on BENCH_PORT (default 5198).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { runVoice } from './fig1-voice.mjs';
import { runFetchFloor } from './fig1-floor.mjs';
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
const explain = args.includes('--explain');
const fresh = args.includes('--fresh');
const writeMd = args.includes('--write-md') || (!quick && !only);
const RESULTS = join(ROOT, 'bench/results.json');
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
const command = results.command;
// Figures of earlier runs this one does not measure again are kept (each says where it came from).
if (!fresh && existsSync(RESULTS)) {
  try {
    const before = JSON.parse(readFileSync(RESULTS, 'utf8'));
    for (const [name, fig] of Object.entries(before.figures ?? {})) {
      results.figures[name] = { ...fig, run: fig.run ?? { command: before.command, date: before.date, quick: before.quick, loadAvgStart: before.machine?.loadAvg1m } };
    }
  } catch (err) {
    console.error(`bench: ${RESULTS} unreadable, starting afresh (${err.message})`);
  }
}
const load1 = () => Number(loadavg()[0].toFixed(2));

/** Writes results.json (and the BENCHMARKS.md block) as they stand: called after every figure. */
function save() {
  results.wallSec = Number(((Date.now() - t0) / 1000).toFixed(1));
  let rows = [];
  try {
    rows = tableRows(results);
    results.table = rows;
  } catch (err) {
    // A figure kept from an older run may not fit today's report: its data is still written.
    console.error(`bench: the table could not be built (${err.message}); results.json written without it`);
  }
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  if (writeMd && rows.length) {
    const template = readFileSync(join(ROOT, 'bench/BENCHMARKS.template.md'), 'utf8');
    try {
      writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), renderBlock(results, rows), template);
    } catch (err) {
      console.error(`bench: BENCHMARKS.md not written (${err.message}); run with --fresh`);
    }
  }
  return rows;
}

const snapshot = snapshotDist();
const server = await startServer({ distDir: snapshot.dir });
const figures = [
  ['bundle', () => runBundle({ distDir: snapshot.dir, budget: pkg.sizeBudget ?? { 'dist/earshot.js': 25600, 'dist/earshot.iife.js': 25600 } })],
  ['startup', () => runStartup({ quick, log })],
  ['vadCost', () => runVadCost({ quick, log, explain })],
  ['voice', () => runVoice({ quick, log })],
  // Only when asked for (--explain, or --only=fetchFloor): not part of the 10-minute run.
  ...(explain || only?.includes('fetchFloor') ? [['fetchFloor', () => runFetchFloor({ quick, log })]] : []),
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
    const loadAvgStart = load1();
    log(`bench: ${name}… (load average ${loadAvgStart})`);
    let fig;
    try {
      fig = await run();
    } catch (err) {
      console.error(`bench: ${name} failed: ${err.stack ?? err}`);
      fig = { error: String(err.message ?? err) };
    }
    fig.wallSec = Number(((Date.now() - s) / 1000).toFixed(1));
    fig.run = { command, date: new Date(s).toISOString().replace(/\.\d+Z$/, 'Z'), quick, loadAvgStart, loadAvgEnd: load1() };
    results.figures[name] = fig;
    save();
    log(`bench: ${name} done in ${fig.wallSec} s (load average ${fig.run.loadAvgEnd}); written`);
  }
} finally {
  await server.close();
  snapshot.dispose();
}
const rows = save();
console.log();
printTable(rows);
console.log(`\nbench: ${results.wallSec} s; wrote bench/results.json${writeMd ? ' and BENCHMARKS.md' : ''}`);
