import { del as idbDel, get as idbGet, set as idbSet } from 'idb-keyval';
import { AssetLoadError } from '../errors';
import { checkHead, checkResponse, type RuntimeAssetKind } from './asset-check';

export interface FetchProgress {
  loaded: number;
  total: number | null;
  cached: boolean;
}

/** Fetches `url`; a network failure becomes an AssetLoadError naming it. */
export async function fetchChecked(kind: RuntimeAssetKind, url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (cause) {
    throw new AssetLoadError(url, `Network error while loading a runtime asset: ${String(cause)}`, { cause });
  }
  checkResponse(kind, url, res);
  return res;
}

/** Content-Length when it is the byte count we will read (not so under compression). */
export function bodyLength(res: Response): number | null {
  const header = Number(res.headers.get('content-length'));
  return Number.isFinite(header) && header > 0 && !res.headers.get('content-encoding') ? header : null;
}

/**
 * Fetches a binary runtime asset, checks it is what it claims to be (status, content
 * type, first bytes), and reports bytes as they arrive. With `cacheKey`, the bytes are
 * kept in IndexedDB (idb-keyval) and later loads skip the network; a cache that cannot
 * be read or written (private mode, quota) only costs the network fetch.
 */
export async function fetchAsset(
  kind: RuntimeAssetKind,
  url: string,
  onProgress: (p: FetchProgress) => void,
  cacheKey?: string,
): Promise<ArrayBuffer> {
  if (cacheKey) {
    const hit = await idbGet<ArrayBuffer>(cacheKey).catch(() => undefined);
    if (hit instanceof ArrayBuffer) {
      onProgress({ loaded: hit.byteLength, total: hit.byteLength, cached: true });
      return hit;
    }
  }
  const res = await fetchChecked(kind, url);
  const total = bodyLength(res);
  const contentType = res.headers.get('content-type');
  const bytes = await readAll(res, url, (chunk, loaded) => {
    if (chunk) checkHead(kind, url, chunk, { status: res.status, contentType });
    onProgress({ loaded, total, cached: false });
  });
  if (cacheKey) await idbSet(cacheKey, bytes).catch(() => undefined);
  return bytes;
}

/** Drops a cached asset (bytes that turned out unusable); never throws. */
export async function forgetAsset(cacheKey: string): Promise<void> {
  await idbDel(cacheKey).catch(() => undefined);
}

/**
 * Reads a body to the end. `onBytes` gets the first chunk (to check its head; it may
 * throw) and then the running byte count.
 */
export async function readAll(res: Response, url: string, onBytes: (first: Uint8Array | null, loaded: number) => void): Promise<ArrayBuffer> {
  if (!res.body) {
    const buf = await res.arrayBuffer();
    onBytes(new Uint8Array(buf, 0, Math.min(16, buf.byteLength)), buf.byteLength);
    return buf;
  }
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      throw new AssetLoadError(url, 'The download of a runtime asset was cut', { cause });
    }
    if (chunk.done) break;
    parts.push(chunk.value);
    loaded += chunk.value.byteLength;
    try {
      onBytes(parts.length === 1 ? chunk.value : null, loaded);
    } catch (err) {
      void reader.cancel().catch(() => undefined);
      throw err;
    }
  }
  if (loaded === 0) onBytes(new Uint8Array(0), 0); // an empty body must fail the head check too
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}
