// The e2e harness runs the built bundle (dist/), as users get it: a page of ~20 modules loads
// in ~0.4 s where src/ through Vite (~160 modules, a waterfall of imports) took ~0.85 s, per
// test. A dist/ older than the sources is rebuilt first, so editing src/ and running a spec
// tests the edit (`npm test` builds before the e2e step, so there it is fresh).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** Newest mtime (ms) of the files under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const built = resolve(root, 'dist/earshot.js');
  const sources = Math.max(newest(resolve(root, 'src')), newest(resolve(root, 'worklets')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  console.log('e2e: dist/ is older than src/ (or missing): npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
