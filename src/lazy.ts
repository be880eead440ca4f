import { SCRIPT_URL } from './assets';
import { AssetLoadError } from './errors';

/** Defined by every build (scripts/build-lib.mjs, vite.config.ts, vitest.config.ts). */
declare const __EARSHOT_IIFE__: boolean;

/**
 * The core's rarely used parts (src/extras.ts: handover, recording, audio decoding), on first use: a chunk of the ES build; the
 * script-tag build cannot split, so it imports the ES build's standalone `extras.js` from
 * beside itself. A failed load rejects with `asset-load-failed`.
 */
export function extras(): Promise<typeof import('./extras')> {
  const url = __EARSHOT_IIFE__ ? new URL('extras.js', SCRIPT_URL ?? location.href).href : '';
  return (__EARSHOT_IIFE__ ? import(/* @vite-ignore */ url) : import('./extras')).catch((cause: unknown) => Promise.reject(new AssetLoadError(url || 'extras.js', 'Could not load a part of Earshot', { cause })));
}

/** The core's AssetLoadError, for the loaded parts (they import no classes). */
export const assetError = (href: string, message: string, options?: { cause?: unknown; status?: number }): Error => new AssetLoadError(href, message, options);
