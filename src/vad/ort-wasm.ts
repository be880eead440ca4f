// Loads onnxruntime-web's wasm with streaming compilation and keeps it in the Cache API,
// so a later page compiles it from Chrome's code cache instead of from scratch.
import { badAsset, checkHead } from './asset-check';
import { bodyLength, fetchChecked, type FetchProgress } from './fetch-asset';

const CACHE_PREFIX = 'earshot-ort-';

/**
 * Compiles the ORT wasm at `url`. From the Cache API when it holds it (a response from
 * Cache Storage gets V8's wasm code cache, so it is not compiled again), else from the
 * network, compiling while the bytes arrive; the body is teed to check its first bytes
 * and report progress. `version` (ORT's) names the cache, so an upgrade never meets a
 * stale wasm under the same file name.
 */
export async function compileOrtWasm(url: string, version: string, onProgress: (p: FetchProgress) => void): Promise<WebAssembly.Module> {
  const cache = await openCache(CACHE_PREFIX + version);
  const hit = await cache?.match(url).catch(() => undefined);
  if (hit) {
    const size = bodyLength(hit);
    try {
      const module = await compile(hit);
      onProgress({ loaded: size ?? 0, total: size, cached: true });
      return module;
    } catch {
      await cache!.delete(url).catch(() => undefined); // a damaged entry: fetch again
    }
  }
  const res = await fetchChecked('wasm', url);
  const got = { status: res.status, contentType: res.headers.get('content-type') };
  const total = bodyLength(res);
  const store = cache ? res.clone() : null;
  const watching = watchBody(res.clone(), (first, loaded) => {
    if (first) checkHead('wasm', url, first, got);
    onProgress({ loaded, total, cached: false });
  });
  watching.catch(() => undefined); // awaited below only when compilation failed
  let module: WebAssembly.Module;
  try {
    module = await compile(res);
  } catch (cause) {
    await watching; // a wrong head or a cut download explains it better than a CompileError
    throw badAsset('wasm', url, got, 'could not be compiled', cause);
  }
  if (cache && store) {
    void cache.put(url, store).catch(() => undefined);
    void dropOtherVersions(CACHE_PREFIX + version);
  }
  return module;
}

/** Streaming compilation needs `application/wasm`; any other type compiles from the bytes. */
function compile(res: Response): Promise<WebAssembly.Module> {
  if (/^\s*application\/wasm\b/i.test(res.headers.get('content-type') ?? '')) return WebAssembly.compileStreaming(res);
  return res.arrayBuffer().then((b) => WebAssembly.compile(b));
}

/** Reads a tee of the body only to look at its head and count bytes. */
async function watchBody(res: Response, onBytes: (first: Uint8Array | null, loaded: number) => void): Promise<void> {
  const reader = res.body?.getReader();
  if (!reader) return;
  let loaded = 0;
  let first = true;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    loaded += value.byteLength;
    onBytes(first ? value : null, loaded);
    first = false;
  }
  if (first) onBytes(new Uint8Array(0), 0);
}

async function openCache(name: string): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(name);
  } catch {
    return null; // opaque origins, storage disabled: compile from the network every time
  }
}

async function dropOtherVersions(current: string): Promise<void> {
  try {
    for (const name of await caches.keys()) if (name.startsWith(CACHE_PREFIX) && name !== current) await caches.delete(name);
  } catch {
    // nothing to clean, or not allowed to
  }
}

/**
 * Hands ORT a module compiled here. ORT 1.30 takes only bytes (`env.wasm.wasmBinary`)
 * and instantiates them with `WebAssembly.instantiate(bytes, imports)`, compiling them a
 * second time without streaming or code cache; it passes no `instantiateWasm` hook to
 * its Emscripten glue. So ORT gets an 8-byte empty module as its binary, and the one
 * instantiate call with those bytes gets the precompiled module instead. Worker-only:
 * this realm runs nothing but ORT.
 */
export function usePrecompiledWasm(env: { wasmBinary?: ArrayBufferLike | Uint8Array }, module: WebAssembly.Module): void {
  const placeholder = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  env.wasmBinary = placeholder.buffer;
  const wasm = WebAssembly as { instantiate: (...args: unknown[]) => Promise<unknown> };
  const original = wasm.instantiate;
  wasm.instantiate = function (source: unknown, imports?: WebAssembly.Imports) {
    if (isPlaceholder(source, placeholder)) {
      wasm.instantiate = original;
      return WebAssembly.instantiate(module, imports).then((instance) => ({ instance, module }));
    }
    return original.apply(WebAssembly, [source, imports]);
  } as typeof original;
}

function isPlaceholder(source: unknown, placeholder: Uint8Array): boolean {
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : null;
  return bytes !== null && bytes.length === placeholder.length && bytes.every((b, i) => b === placeholder[i]);
}
