#!/usr/bin/env node
// `npm test`: every check, in as little wall time as the 2-core CI machine allows. Steps that
// do not depend on each other run side by side (their output is printed whole as each ends,
// not interleaved); the browser suites run alone after them, since they play audio in real
// time and a busy CPU makes their fake microphones drop audio.
//   phase 1: typecheck, fixtures, build          (independent)
//   phase 2: test:unit (fixtures), test:types and size (build)
//   phase 3: test:e2e, then test:engines         (one at a time, output streamed)
// The first failing step stops the run (the others of its phase are let finish, then printed).
import { spawn } from 'node:child_process';

const t0 = performance.now();
const secs = (from) => ((performance.now() - from) / 1000).toFixed(1);

/** Runs `npm run <script>`; `stream`: its output goes straight through, else it is kept and printed at the end. */
function step(script, stream = false) {
  const from = performance.now();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', script], { stdio: stream ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
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
await phase('test:unit', 'test:types', 'size');
for (const s of ['test:e2e', 'test:engines']) {
  if (!(await step(s, true))) {
    console.log(`test-all: stopped after ${secs(t0)} s`);
    process.exit(1);
  }
}
console.log(`test-all: everything passed in ${secs(t0)} s`);
