import { AssetLoadError } from '../errors';

/** The three runtime files the VAD worker loads. */
export type RuntimeAssetKind = 'model' | 'wasm' | 'glue';

const WHAT: Record<RuntimeAssetKind, string> = {
  model: 'the Silero VAD model (.onnx)',
  wasm: "onnxruntime-web's wasm (.wasm)",
  glue: "onnxruntime-web's loader module (.mjs)",
};

/** What to do about it: the same words wherever a runtime file is wrong. */
export const ASSET_FIX =
  'Serve the files of earshot/dist/runtime/ as they are and pass their folder as `assetBaseUrl` ' +
  '(see "Install and bundle" in the README for the Vite, webpack, esbuild and Next recipes).';

/**
 * The error for a runtime file that is missing or is not what it should be. It names
 * the URL, the status and content type received, and the fix, so a misconfigured host
 * never surfaces as ORT's "no available backend found".
 */
export function badAsset(
  kind: RuntimeAssetKind,
  url: string,
  got: { status?: number; contentType: string | null },
  problem: string,
  cause?: unknown,
): AssetLoadError {
  const type = got.contentType || 'no content type';
  const status = got.status !== undefined ? `HTTP ${got.status}, ` : '';
  return new AssetLoadError(url, `Runtime asset ${WHAT[kind]} at ${url} ${problem} (${status}${type}). ${ASSET_FIX}`, {
    ...(got.status !== undefined ? { status: got.status } : {}),
    contentType: got.contentType,
    ...(cause !== undefined ? { cause } : {}),
  });
}

const isHtmlType = (t: string | null) => /^\s*(text\/html|application\/xhtml)/i.test(t ?? '');
const isJsType = (t: string | null) => /^\s*(text|application)\/(x-)?(javascript|ecmascript)\b/i.test(t ?? '');

/**
 * Checks what the headers alone can tell: an error status, or an HTML page where a
 * binary or script belongs (an SPA fallback answering every path with index.html).
 */
export function checkResponse(kind: RuntimeAssetKind, url: string, res: Response): void {
  const contentType = res.headers.get('content-type');
  if (!res.ok) throw badAsset(kind, url, { status: res.status, contentType }, 'could not be loaded');
  if (isHtmlType(contentType)) throw badAsset(kind, url, { status: res.status, contentType }, 'was answered with an HTML page');
  // A module script is refused by the browser under any other MIME type (HTML spec,
  // "fetch a single module script"); ORT would only say "no available backend found".
  if (kind === 'glue' && !isJsType(contentType)) {
    throw badAsset(kind, url, { status: res.status, contentType }, 'is not served with a JavaScript content type');
  }
}

/** The first bytes of each binary: wasm's `\0asm`, and the ONNX ModelProto's field 1 (ir_version, varint). */
const MAGIC: Partial<Record<RuntimeAssetKind, number[]>> = {
  wasm: [0x00, 0x61, 0x73, 0x6d],
  model: [0x08],
};

/**
 * Checks the first bytes received. Servers that send binaries as octet-stream are common
 * and harmless, so the bytes decide, not the header. A script must not be markup.
 */
export function checkHead(kind: RuntimeAssetKind, url: string, head: Uint8Array, got: { status?: number; contentType: string | null }): void {
  const magic = MAGIC[kind];
  if (magic) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return;
    throw badAsset(kind, url, got, looksLikeMarkup(head) ? 'is an HTML or XML page, not the file' : 'does not start with the expected bytes');
  }
  if (looksLikeMarkup(head)) throw badAsset(kind, url, got, 'is an HTML page, not JavaScript');
}

/** First non-blank byte is `<` (an HTML page, an XML error document). */
function looksLikeMarkup(head: Uint8Array): boolean {
  for (const b of head) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue; // blanks, UTF-8 BOM
    return b === 0x3c;
  }
  return false;
}
