import { ConfigError } from './errors';

// The bundle's own URL, captured while its top level runs. A classic <script> (the IIFE
// build, where `import.meta` does not exist) has `document.currentScript`, which is null
// once the script has finished; an ES module has `import.meta.url`.
const MODULE_URL: string =
  (typeof document !== 'undefined' && (document.currentScript as HTMLScriptElement | null)?.src) || import.meta.url;

/** File names of the runtime assets, as copied into `runtime/` by scripts/copy-assets.mjs. */
export const RUNTIME_FILES = {
  model: 'silero_vad_v5.onnx',
  ortGlue: 'ort-wasm-simd-threaded.mjs',
  ortWasm: 'ort-wasm-simd-threaded.wasm',
} as const;

/**
 * The folder holding the model and wasm, as an absolute URL ending in `/`.
 *
 * Default: `runtime/` beside the bundle (`dist/runtime/`), so copying `dist/` to any
 * host or sub-path works; on the Vite dev server, `/runtime/` from `public/`.
 * An explicit `assetBaseUrl` may be relative; it is resolved against the page.
 * Absolute URLs matter: ORT imports its glue with a dynamic `import()`, which Vite dev
 * rewrites for root-relative paths and then refuses (toolchain P1).
 */
export function resolveAssetBase(assetBaseUrl?: string | URL): string {
  let url: URL;
  try {
    if (assetBaseUrl !== undefined) url = new URL(String(assetBaseUrl), pageUrl());
    else if (import.meta.env?.DEV) url = new URL('/runtime/', pageUrl());
    else url = new URL('runtime/', MODULE_URL);
  } catch (cause) {
    throw new ConfigError(`assetBaseUrl is not a valid URL: ${String(assetBaseUrl)}`, { cause });
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

function pageUrl(): string {
  return typeof location !== 'undefined' ? location.href : MODULE_URL;
}
