import { ConfigError } from './errors';

// Set by the lib build (scripts/build-lib.mjs): true in the IIFE builds, false in the ES
// build; undeclared when src/ runs under Vite dev or Vitest.
declare const __EARSHOT_IIFE__: boolean | undefined;
const IIFE = typeof __EARSHOT_IIFE__ !== 'undefined' && __EARSHOT_IIFE__;

// The script-tag build's own URL, captured while its top level runs (`document.currentScript`
// is null once the script has finished). The ES build never reads it: inside an app bundle
// (webpack, esbuild output is a classic script) currentScript is the app's bundle, and the
// runtime files are wherever that bundler put them.
export const SCRIPT_URL: string | undefined = IIFE
  ? (typeof document !== 'undefined' && (document.currentScript as HTMLScriptElement | null)?.src) || undefined
  : undefined;

/** File names of the runtime assets, as shipped in `dist/runtime/`. */
export const RUNTIME_FILES = {
  model: 'silero_vad_v5.onnx',
  ortGlue: 'ort-wasm-simd-threaded.mjs',
  ortWasm: 'ort-wasm-simd-threaded.wasm',
} as const;

/** Absolute URLs of the runtime assets. */
export type RuntimeUrls = { [K in keyof typeof RUNTIME_FILES]: string };

/**
 * The URL of each runtime asset (Silero model, ORT glue and wasm), absolute.
 *
 * With `assetBaseUrl`: that folder + the file names of {@link RUNTIME_FILES}. Without it:
 * - ES build: each file as a static `new URL('./runtime/…', import.meta.url)`, the form
 *   bundlers recognise, so Vite (dev, where the dependency optimizer rewrites it, and
 *   build), webpack 5 and Next.js emit the files and return their final URLs; unbundled,
 *   it is `runtime/` beside `earshot.js`.
 * - Script-tag (IIFE) build: `runtime/` beside `earshot.iife.js`.
 *
 * Absolute URLs matter: ORT imports its glue with a dynamic `import()`, which Vite dev
 * rewrites for root-relative paths and then refuses (toolchain P1).
 */
export function resolveRuntimeUrls(assetBaseUrl?: string | URL): RuntimeUrls {
  if (assetBaseUrl !== undefined || IIFE || import.meta.env?.DEV) {
    const base = resolveAssetBase(assetBaseUrl);
    return {
      model: base + RUNTIME_FILES.model,
      ortGlue: base + RUNTIME_FILES.ortGlue,
      ortWasm: base + RUNTIME_FILES.ortWasm,
    };
  }
  // `@vite-ignore` only keeps our own lib build from inlining 16 MB as data: URLs (lib
  // mode inlines every asset); the minifier drops the comment, so a consumer's Vite sees
  // the plain pattern. Literal paths, no shared variable: bundlers only follow literals.
  return {
    model: new URL(/* @vite-ignore */ './runtime/silero_vad_v5.onnx', import.meta.url).href,
    ortGlue: new URL(/* @vite-ignore */ './runtime/ort-wasm-simd-threaded.mjs', import.meta.url).href,
    ortWasm: new URL(/* @vite-ignore */ './runtime/ort-wasm-simd-threaded.wasm', import.meta.url).href,
  };
}

/**
 * The folder holding the runtime assets, as an absolute URL ending in `/`.
 *
 * Default: `runtime/` beside the bundle (`dist/runtime/`); inside an app bundle, the
 * folder the bundler emitted the model to (its files may then carry hashed names: use
 * {@link resolveRuntimeUrls} for file URLs); on this repo's Vite dev server, `/runtime/`.
 * An explicit `assetBaseUrl` may be relative; it is resolved against the page.
 */
export function resolveAssetBase(assetBaseUrl?: string | URL): string {
  let url: URL;
  try {
    if (assetBaseUrl !== undefined) url = new URL(String(assetBaseUrl), pageUrl());
    else if (IIFE) url = new URL('runtime/', SCRIPT_URL ?? pageUrl());
    // This repo's dev server (scripts/runtime-files.mjs); in Node (Vitest), any absolute URL.
    else if (import.meta.env?.DEV) url = new URL('/runtime/', pageUrl() ?? 'http://localhost/');
    else url = new URL('./', resolveRuntimeUrls().model);
  } catch (cause) {
    throw new ConfigError(`assetBaseUrl is not a valid URL: ${String(assetBaseUrl)}`, { cause });
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

function pageUrl(): string | undefined {
  return typeof location !== 'undefined' ? location.href : undefined;
}
