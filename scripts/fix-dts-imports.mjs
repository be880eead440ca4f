// Gives every relative module specifier in the emitted declarations its file extension:
// `'./errors'` becomes `'./errors.js'`, `'./x'` naming a folder becomes `'./x/index.js'`.
//
// Why: the sources use extensionless imports (resolved by Vite and by `moduleResolution:
// "bundler"`), and tsc copies specifiers into `.d.ts` files as written. A consumer on
// `moduleResolution: "node16"`/`"nodenext"` then gets TS2834 on each of them and the whole API
// silently becomes `any`. Adding `.js` to ~300 imports across src (or `.ts` with
// `rewriteRelativeImportExtensions`) would touch every source file for the sake of the
// published types only; rewriting the emitted files keeps the sources as they are, and the
// `.js` form is valid under every resolution mode (bundler, node16, nodenext, node10).
//
// Specifiers are found with TypeScript's parser (imports, exports and `import("…")` types),
// not with a regex, and each one must name an emitted `.d.ts`: anything else fails the build.
//
// Usage: node scripts/fix-dts-imports.mjs [dir]   (default dist/types; idempotent)
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'dist/types');

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (name.endsWith('.d.ts')) yield path;
  }
}

/** The specifier with its extension, or throws if it names no emitted declaration file. */
function withExtension(file, spec) {
  const target = resolve(dirname(file), spec);
  if (/\.(m|c)?js$/.test(spec) && existsSync(target.replace(/\.(m|c)?js$/, '.d.$1ts'))) return spec;
  if (existsSync(`${target}.d.ts`)) return `${spec}.js`;
  if (existsSync(join(target, 'index.d.ts'))) return `${spec.replace(/\/$/, '')}/index.js`;
  throw new Error(`${file}: '${spec}' names no emitted declaration file`);
}

function specifiers(source) {
  const found = [];
  const visit = (node) => {
    let lit;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) lit = node.moduleSpecifier;
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) lit = node.argument.literal;
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) lit = node.moduleReference.expression;
    if (lit && ts.isStringLiteral(lit) && /^\.\.?(\/|$)/.test(lit.text)) found.push(lit);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

let files = 0;
let rewritten = 0;
for (const file of walk(root)) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  let out = text;
  // Back to front, so earlier positions stay valid.
  for (const lit of specifiers(source).reverse()) {
    const spec = withExtension(file, lit.text);
    if (spec === lit.text) continue;
    const start = lit.getStart(source);
    out = `${out.slice(0, start)}'${spec}'${out.slice(lit.end)}`;
    rewritten++;
  }
  if (out !== text) writeFileSync(file, out);
  files++;
}
if (files === 0) throw new Error(`No .d.ts files under ${root}`);
console.log(`fix-dts-imports: ${rewritten} specifiers given extensions in ${files} files under ${root}`);
