import { get as idbGet, set as idbSet } from 'idb-keyval';
import { AssetLoadError } from '../errors';

export interface FetchProgress {
  loaded: number;
  total: number | null;
  cached: boolean;
}

/**
 * Fetches a binary asset, reporting bytes as they arrive. With `cacheKey`, the bytes
 * are kept in IndexedDB (idb-keyval) and later loads skip the network; a cache that
 * cannot be read or written (private mode, quota) only costs the network fetch.
 */
export async function fetchAsset(
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
  let res: Response;
  try {
    res = await fetch(url);
  } catch (cause) {
    throw new AssetLoadError(url, 'Network error while loading a runtime asset', { cause });
  }
  if (!res.ok) throw new AssetLoadError(url, `HTTP ${res.status} while loading a runtime asset`, { status: res.status });
  const header = Number(res.headers.get('content-length'));
  // Content-Length is the encoded size: with compression it is not the byte count we read.
  const total = Number.isFinite(header) && header > 0 && !res.headers.get('content-encoding') ? header : null;
  const bytes = await readAll(res, url, (loaded) => onProgress({ loaded, total, cached: false }));
  if (cacheKey) await idbSet(cacheKey, bytes).catch(() => undefined);
  return bytes;
}

async function readAll(res: Response, url: string, onBytes: (loaded: number) => void): Promise<ArrayBuffer> {
  if (!res.body) {
    const buf = await res.arrayBuffer();
    onBytes(buf.byteLength);
    return buf;
  }
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      loaded += value.byteLength;
      onBytes(loaded);
    }
  } catch (cause) {
    throw new AssetLoadError(url, 'The download of a runtime asset was cut', { cause });
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}
