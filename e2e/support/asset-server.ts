// A real HTTP server that serves the runtime files right or wrong, for the asset-error
// tests: /<target>-<fault>/<file>, where <target> is model, wasm, glue or all, and
// <fault> is what goes wrong with that file:
//   html   200 text/html: an SPA fallback answering with its index.html
//   404    404 text/plain
//   junk   200 with the right content type, but an HTML page as the bytes
//   octet  the right bytes as application/octet-stream (must still work)
//   slow   the right file, answered after SLOW_MS (a VAD that loads late, deterministically)
// Other files of the folder are served right. Cross-origin to the page, hence CORS.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runtimeFiles } from '../../scripts/runtime-files.mjs';

const RUNTIME = runtimeFiles(); // name -> path in node_modules
const FILES: Record<string, { kind: string; type: string }> = {
  'silero_vad_v5.onnx': { kind: 'model', type: 'application/octet-stream' },
  'ort-wasm-simd-threaded.wasm': { kind: 'wasm', type: 'application/wasm' },
  'ort-wasm-simd-threaded.mjs': { kind: 'glue', type: 'text/javascript' },
};
/** How late the `slow` fault answers, ms. */
export const SLOW_MS = 2500;
const SPA_PAGE = '<!doctype html>\n<html><head><title>My app</title></head><body><div id="root"></div></body></html>\n';

export interface AssetServer {
  /** Folder URL (with trailing slash) for a target and fault, e.g. base('wasm', 'html'). */
  base(target: 'model' | 'wasm' | 'glue' | 'all', fault: 'html' | '404' | 'junk' | 'octet' | 'slow' | 'none'): string;
  close(): Promise<void>;
}

export async function startAssetServer(): Promise<AssetServer> {
  const server: Server = createServer((req, res) => {
    const cors = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
    const m = /^\/(\w+)-(\w+)\/([\w.-]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const file = m && FILES[m[3]!];
    if (!m || !file) return void res.writeHead(404, { ...cors, 'content-type': 'text/plain' }).end('not found');
    const [, target, fault] = m;
    const hit = target === 'all' || target === file.kind;
    if (hit && fault === 'html') return void res.writeHead(200, { ...cors, 'content-type': 'text/html; charset=utf-8' }).end(SPA_PAGE);
    if (hit && fault === '404') return void res.writeHead(404, { ...cors, 'content-type': 'text/plain' }).end('Not Found');
    if (hit && fault === 'junk') return void res.writeHead(200, { ...cors, 'content-type': file.type }).end(SPA_PAGE);
    const type = hit && fault === 'octet' ? 'application/octet-stream' : file.type;
    const send = () => res.writeHead(200, { ...cors, 'content-type': type }).end(readFileSync(RUNTIME[m[3]!]!));
    if (hit && fault === 'slow') setTimeout(send, SLOW_MS);
    else send();
  });
  // Port 0: a free port, so parallel checkouts never collide.
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: (target, fault) => `http://127.0.0.1:${port}/${target}-${fault}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
