// Figure 6: gzip sizes of the core bundles (the wasm and model in runtime/ excluded) and,
// for information, of the worker and worklets they load.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkSizes, gzipSize } from '../scripts/check-size.mjs';
import { ROOT } from '../scripts/entries.mjs';

// Budgets come from package.json (`sizeBudget`, per entry); `distDir` is a snapshot of dist/.
export function runBundle({ distDir }) {
  const core = checkSizes(ROOT, distDir);
  const assets = readdirSync(join(distDir, 'assets')).filter((f) => f.endsWith('.js')).map((f) => ({ file: `assets/${f}`, gzip: gzipSize(join(distDir, 'assets', f)) }));
  return { core, assets };
}
