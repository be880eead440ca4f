// The package's entry points, read from package.json `exports`: the one place an entry is
// declared. An entry is an export whose value is an object with `types` first and `import`
// pointing at a flat `./dist/<name>.js` (flat so every ES chunk sits beside runtime/ and
// assets/). Its source is by convention `src/index.ts` for ".", `src/<subpath>/index.ts`
// for "./<subpath>". Adding an entry is one line in `exports`, e.g.
//   "./testing": { "types": "./dist/types/testing/index.d.ts", "import": "./dist/testing.js" },
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * [{ subpath, name, src, esm, iife, budget }] for every entry of package.json `exports`.
 * `esm`/`iife` are paths under the package root; `budget` is gzip bytes (sizeBudget[subpath],
 * else sizeBudget["*"]). Throws on an entry that breaks the convention.
 */
export function libEntries(root = ROOT) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const budgets = pkg.sizeBudget ?? {};
  const entries = [];
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== 'object' || target === null || !('import' in target)) continue;
    const where = `package.json exports["${subpath}"]`;
    if (Object.keys(target)[0] !== 'types') throw new Error(`${where}: "types" must be the first condition`);
    const m = /^\.\/dist\/([\w-]+)\.js$/.exec(target.import);
    if (!m) throw new Error(`${where}.import must be ./dist/<name>.js (flat), got ${target.import}`);
    const name = m[1];
    const src = subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}/index.ts`;
    if (!existsSync(join(root, src))) throw new Error(`${where}: its source ${src} does not exist`);
    const budget = budgets[subpath] ?? budgets['*'];
    if (typeof budget !== 'number') throw new Error(`package.json sizeBudget: no budget for "${subpath}" and no "*"`);
    entries.push({ subpath, name, src, esm: `dist/${name}.js`, iife: `dist/${name}.iife.js`, budget });
  }
  if (!entries.some((e) => e.subpath === '.')) throw new Error('package.json exports: no "." entry');
  return entries;
}
