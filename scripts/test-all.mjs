#!/usr/bin/env node
// `npm test`: every check, in as little wall time as the 2-core CI machine allows. Steps that
// do not depend on each other run side by side (their output is printed whole as each ends,
// not interleaved). Chromium's e2e suite runs alone after them: its browsers play audio in real
// time, and a busier CPU makes their fake microphones drop audio. The Firefox/WebKit suite runs
// beside the unit tests: one browser at a time, and its VAD check measures against the audio
// the VAD received (a delayed or padded mic path does not fail it). Measured on a clean clone
// (2026-12-04): engines 97 s and unit tests 50 s side by side, all passing (alone: the unit
// tests 33 s; the engines 66 s before their barge-in test, ~11 s per engine, was added).
//   phase 1: typecheck, fixtures, build                                   (independent)
//   phase 2: test:unit (fixtures), test:types and size (build), test:engines (both)
//   phase 3: test:e2e                                                     (output streamed)
// The first failing step stops the run (the others of its phase are let finish, then printed).
import { spawn } from 'node:child_process';

const t0 = performance.now();
const secs = (from) => ((performance.now() - from) / 1000).toFixed(1);

// The engines' servers get ports of their own: Playwright's (5173 + worker, 4180) must be free
// when phase 3 starts, however long the engines' Vite takes to exit.
const ENV = { 'test:engines': { E2E_PORT: '5273', E2E_STATIC_PORT: '4280' } };

/** Runs `npm run <script>`; `stream`: its output goes straight through, else it is kept and printed at the end. */
function step(script, stream = false) {
  const from = performance.now();
  return new Promise((resolve) => {
    const env = { ...process.env, ...ENV[script] };
    const child = spawn('npm', ['run', script], { stdio: stream ? 'inherit' : ['ignore', 'pipe', 'pipe'], env });
    const out = [];
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr?.on('data', (d) => out.push(d));
    child.on('close', (code) => {
      if (!stream) process.stdout.write(Buffer.concat(out));
      console.log(`test-all: ${script} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${secs(from)} s`);
      resolve(code === 0);
    });
  });
}

async function phase(...scripts) {
  const ok = await Promise.all(scripts.map((s) => step(s)));
  if (ok.includes(false)) {
    console.log(`test-all: stopped after ${secs(t0)} s`);
    process.exit(1);
  }
}

await phase('typecheck', 'fixtures', 'build');
await phase('test:unit', 'test:types', 'size', 'test:engines');
if (!(await step('test:e2e', true))) {
  console.log(`test-all: stopped after ${secs(t0)} s`);
  process.exit(1);
}
console.log(`test-all: everything passed in ${secs(t0)} s`);
