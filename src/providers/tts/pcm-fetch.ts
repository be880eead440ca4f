/**
 * One HTTP TTS request whose body is raw s16le PCM, read as Float32 chunks as the bytes
 * arrive. Shared by the providers (main thread) and the TTS audio worker, which is why the
 * request is plain data: a worker can send it without the provider object.
 */

import { PcmS16Decoder } from '../../audio/dsp/pcm16';
import { ProviderError } from '../errors';
import { fetchWithRetry, responseMeta } from '../http';
import type { ProviderAuth, RequestMeta } from '../types';
import { SNIFF_BYTES, implausiblePcm, nonPcmContentType } from './pcm-check';

/** A PCM TTS request as structured-cloneable data. */
export interface PcmRequest {
  /** Label for errors, e.g. `openai:gpt-4o-mini-tts`. */
  provider: string;
  url: string;
  init: { method: string; headers: Record<string, string>; body: string };
  /** `getToken` cannot cross to a worker: the pipe calls it first and sends the token as `apiKey`. */
  auth: ProviderAuth;
  maxRetries?: number;
  /** What was asked for, for `provider-bad-audio`: "expected raw PCM (<expect>), but …". */
  expect: string;
  /** The model asked for (for {@link RequestMeta}). */
  model?: string;
}

/**
 * Sends `req` (retries as fetchWithRetry) and yields each network read as samples in [-1, 1)
 * (a read that ends mid-sample carries its odd byte to the next).
 * @throws ProviderError as mapped by fetchWithRetry; `provider-bad-audio` (before any sample)
 *   for a body that is not raw PCM (a non-PCM content type, a container signature, noise-like
 *   first bytes); `provider-protocol` if the stream breaks off. Aborts end quietly.
 * `onMeta`: the response's request id and model, once it began (before the first samples).
 */
export async function* fetchPcm(req: PcmRequest, signal: AbortSignal, onMeta?: (meta: RequestMeta) => void): AsyncGenerator<Float32Array, void, undefined> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let drained = false;
  try {
    const response = await fetchWithRetry({ provider: req.provider, url: req.url, init: req.init, signal, auth: req.auth, ...(req.maxRetries !== undefined ? { maxRetries: req.maxRetries } : {}) });
    const requestId = response.headers.get('x-request-id');
    const bad = (why: string) => new ProviderError('provider-bad-audio', req.provider, `expected raw PCM (${req.expect}), but ${why}`, requestId ? { requestId } : {});
    if (!response.body) throw new ProviderError('provider-protocol', req.provider, 'response has no body');
    const badType = nonPcmContentType(response.headers.get('content-type'));
    if (badType) throw bad(`the server sent ${badType}`);
    onMeta?.(responseMeta(response, req.model));
    reader = response.body.getReader();
    const decoder = new PcmS16Decoder();
    // The first bytes are held until they can be judged, so noise is never played.
    let head: Uint8Array | null = new Uint8Array(0);
    for (;;) {
      const { done, value } = await reader.read();
      let bytes = value;
      if (head) {
        if (value) head = concatBytes(head, value);
        if (!done && head.length < SNIFF_BYTES) continue;
        const why = implausiblePcm(head);
        if (why) throw bad(why);
        bytes = head;
        head = null;
      }
      if (bytes && bytes.length > 0) {
        const samples = decoder.push(bytes);
        if (samples.length > 0) yield samples;
      }
      if (done) break;
    }
    drained = true;
  } catch (err) {
    if (signal.aborted) return;
    if (err instanceof ProviderError) throw err;
    throw new ProviderError('provider-protocol', req.provider, `audio stream ended early: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    // Stopped early (break, abort, error): cancel so fetch drops the connection.
    if (reader && !drained) await reader.cancel().catch(() => undefined);
    reader?.releaseLock();
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
