#!/usr/bin/env node
// A plain static server for the built package, mounted under a sub-path to prove that
// dist/ works from anywhere: /some/sub/path/earshot/* -> dist/*, /some/sub/path/*.html
// -> e2e/pages/dist-*.html. No transforms, no Vite: what a user's host would do.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const port = Number(process.argv[2] ?? 4180);
export const SUB_PATH = '/some/sub/path/';
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.map': 'application/json',
  '.json': 'application/json', '.wav': 'audio/wav', '.ts': 'text/plain',
};

function mapPath(pathname) {
  if (!pathname.startsWith(SUB_PATH)) return null;
  const rest = pathname.slice(SUB_PATH.length);
  if (rest.startsWith('earshot/')) return join(root, 'dist', normalize(rest.slice('earshot/'.length)));
  if (/^[\w-]+\.html$/.test(rest)) return join(root, 'e2e/pages', `dist-${rest}`);
  if (/^dist-[\w-]+\.js$/.test(rest)) return join(root, 'e2e/pages', rest);
  return null;
}

createServer((req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://x');
  if (pathname === '/healthz') return res.end('ok');
  const file = mapPath(decodeURIComponent(pathname));
  if (!file || !file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': types[extname(file)] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
    // Strict CSP: no inline script, no eval, no blob:/data: workers or worklets. Only
    // 'wasm-unsafe-eval', which compiling any WebAssembly needs.
    'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:",
  });
  createReadStream(file).pipe(res);
}).listen(port, '127.0.0.1', () => console.log(`static: http://127.0.0.1:${port}${SUB_PATH}`));
