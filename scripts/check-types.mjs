// The type test: compiles app code against the built declarations (dist/**/*.d.ts) the way
// an app sees them, an `earshot` package in node_modules resolved through package.json
// `exports`, under moduleResolution Bundler, NodeNext and Node16, `strict`, with
// `skipLibCheck: false`, once without zod installed and once with zod 4. Checked:
//   - every `exports` entry that has a `types` condition, and every emitted .d.ts file
//     (a stripped `@internal` type still referenced, an unresolved import, … fail here);
//   - types-test/expect-errors.ts (and, with zod, types-test/with-zod.ts): each
//     `// @ts-expect-error TSnnnn` must be followed by a line that fails with that code, and
//     no other line may fail;
//   - the README's ```js/```ts blocks that import from 'earshot', as TypeScript files. Free
//     names they use (`button`) are declared in types-test/readme-globals.d.ts.
// One process, one parse of the lib files for all six programs: a few seconds.
//
// Usage: npm run build && node scripts/check-types.mjs
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(repo, 'types-test');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const started = performance.now();

if (!existsSync(join(repo, 'dist/types'))) fail('dist/types is missing: run `npm run build` first');

// --- the app's files ------------------------------------------------------------------------

/** `./x` export keys whose target has a `types` condition: what an app can import. */
function typedEntries(exports) {
  const hasTypes = (t) => t !== null && typeof t === 'object' && ('types' in t || Object.values(t).some(hasTypes));
  if (typeof exports !== 'object' || exports === null) return [];
  return Object.entries(exports)
    .filter(([key, target]) => key.startsWith('.') && !key.includes('*') && hasTypes(target))
    .map(([key]) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));
}

/** README code blocks importing the package, with the README line each starts on. */
function readmeExamples() {
  const text = readFileSync(join(repo, 'README.md'), 'utf8');
  const out = [];
  const re = /^```(js|javascript|ts|typescript)[^\n]*\n([\s\S]*?)^```/gm;
  for (let m; (m = re.exec(text)); ) {
    if (!new RegExp(`from ['"]${pkg.name}(/[^'"]*)?['"]`).test(m[2])) continue;
    out.push({ code: m[2], line: text.slice(0, m.index).split('\n').length + 1 });
  }
  return out;
}

/** Turns `// @ts-expect-error TSnnnn why` into a plain comment, and lists what it expects. */
function expectations(text) {
  const expected = new Map(); // 0-based line of the code that must fail → code
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = /^\s*\/\/\s*@ts-expect-error(?:\s+TS(\d+))?/.exec(line);
    if (!m) return;
    if (!m[1]) throw new Error(`types-test: line ${i + 1}: say which error is expected (// @ts-expect-error TSnnnn …)`);
    expected.set(i + 1, Number(m[1]));
    lines[i] = line.replace('@ts-expect-error', 'expect-error');
  });
  return { text: lines.join('\n'), expected };
}

const entries = typedEntries(pkg.exports);
if (entries.length === 0) fail('package.json `exports` has no entry with a `types` condition');
const examples = readmeExamples();
if (examples.length === 0) fail('README.md has no ```js/```ts example importing the package');

const dtsFiles = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.d.ts')) dtsFiles.push(relative(repo, path));
  }
})(join(repo, 'dist'));

/**
 * An app folder: package.json, the app's files, and node_modules/earshot holding a copy of
 * package.json and dist's declarations, as `npm install` would lay them out. A copy, not a
 * symlink to the repo: from the repo, `import 'zod'` would find the repo's own devDependency.
 */
function makeApp(root, withZod) {
  const pkgDir = join(root, 'node_modules', pkg.name);
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(pkg, null, 2));
  for (const file of dtsFiles) {
    mkdirSync(dirname(join(pkgDir, file)), { recursive: true });
    cpSync(join(repo, file), join(pkgDir, file));
  }
  if (withZod) symlinkSync(join(repo, 'node_modules/zod'), join(root, 'node_modules/zod'), 'dir');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));

  const files = []; // { path, source (label for messages), lineOffset, expected }
  const add = (name, text, source, lineOffset = 0, expected = new Map()) => {
    writeFileSync(join(root, name), text);
    files.push({ path: join(root, name), source, lineOffset, expected });
  };
  add('entries.ts', `${entries.map((e, i) => `import * as entry${i} from '${e}';\nvoid entry${i};`).join('\n')}\n`, 'entries');
  examples.forEach((ex, i) => add(`readme-${i + 1}.ts`, ex.code, 'README.md', ex.line - 1));
  cpSync(join(testDir, 'readme-globals.d.ts'), join(root, 'readme-globals.d.ts'));
  for (const name of ['expect-errors.ts', ...(withZod ? ['with-zod.ts'] : [])]) {
    const { text, expected } = expectations(readFileSync(join(testDir, name), 'utf8'));
    add(name, text, `types-test/${name}`, 0, expected);
  }
  const roots = [...files.map((f) => f.path), join(root, 'readme-globals.d.ts'), ...dtsFiles.map((f) => join(pkgDir, f))];
  return { files, roots };
}

// --- compiling ------------------------------------------------------------------------------

const base = {
  strict: true,
  // As the app would set it; the files checked are chosen below (the app's and the package's).
  skipLibCheck: false,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: [],
};
const modes = {
  bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
  nodenext: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
  node16: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
};

// Source files are shared between programs (keyed by name, target and module format).
const cache = new Map();
function host(options) {
  const h = ts.createCompilerHost(options, true);
  const getSourceFile = h.getSourceFile.bind(h);
  h.getSourceFile = (name, langOrOptions, onError, fresh) => {
    const key = `${name}|${JSON.stringify(langOrOptions)}`;
    if (!fresh && cache.has(key)) return cache.get(key);
    const sf = getSourceFile(name, langOrOptions, onError, fresh);
    cache.set(key, sf);
    return sf;
  };
  return h;
}

const tmp = mkdtempSync(join(tmpdir(), 'earshot-types-'));
let problems = 0;
let checked = 0;
try {
  for (const withZod of [false, true]) {
    const root = join(tmp, withZod ? 'app-with-zod' : 'app-without-zod');
    const { files, roots } = makeApp(root, withZod);
    for (const [mode, opts] of Object.entries(modes)) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const options = { ...base, ...opts };
      const program = ts.createProgram({ rootNames: roots, options, host: host(options) });
      // The app's files and the package's, every one of them (what `skipLibCheck: false` adds);
      // zod's own declarations are zod's business, and checking them would take most of the time.
      const checkedFiles = program.getSourceFiles().filter((sf) => sf.fileName.startsWith(`${root}/`));
      const diags = [
        ...program.getOptionsDiagnostics(),
        ...program.getGlobalDiagnostics(),
        ...checkedFiles.flatMap((sf) => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]),
      ];
      const label = `${mode}, ${withZod ? 'zod 4' : 'no zod'}`;
      const found = new Map(); // path → Map(line → codes)
      for (const d of diags) {
        const f = d.file && files.find((x) => x.path === d.file.fileName);
        const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line : -1;
        if (f?.expected.has(line)) {
          const byLine = found.get(f.path) ?? new Map();
          found.set(f.path, byLine.set(line, [...(byLine.get(line) ?? []), d.code]));
          continue;
        }
        problems++;
        const where = f ? `${f.source}:${f.lineOffset + line + 1}` : d.file ? `${relative(tmp, d.file.fileName)}:${line + 1}` : '';
        console.error(`✗ [${label}] ${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n  ')}`);
      }
      for (const f of files) {
        for (const [line, code] of f.expected) {
          const codes = found.get(f.path)?.get(line) ?? [];
          checked++;
          if (codes.includes(code)) continue;
          problems++;
          const got = codes.length ? `fails with ${codes.map((c) => `TS${c}`).join(', ')} instead` : 'compiles';
          console.error(`✗ [${label}] ${f.source}:${line + 1} must fail with TS${code}, but ${got}`);
        }
      }
      console.log(`${label}: ${roots.length} files, ${[...files].reduce((n, f) => n + f.expected.size, 0)} expected errors, ${Math.round(performance.now() - t0)} ms (cpu ${Math.round(process.cpuUsage(cpu0).user / 1000)} ms)`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const summary = `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${entries.join(', ')}), ${dtsFiles.length} .d.ts files, ${examples.length} README examples, ${checked} expected errors checked, 6 programs, ${Math.round(performance.now() - started)} ms`;
if (problems > 0) fail(`${problems} problem(s); ${summary}`);
console.log(`check-types: ok: ${summary}`);

function fail(message) {
  console.error(`check-types: ${message}`);
  process.exit(1);
}
