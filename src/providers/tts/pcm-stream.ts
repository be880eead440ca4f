/**
 * The body of an HTTP TTS that streams headerless s16le mono (OpenAI `pcm`, ElevenLabs
 * `pcm_<rate>`): checked before a sample plays, decoded as the bytes arrive.
 */

import { PcmS16Decoder } from '../../audio/dsp/pcm16';
import { ProviderError } from '../errors';
import { SNIFF_BYTES, implausiblePcm, nonPcmContentType } from './pcm-check';

/** What {@link readPcmStream} needs from its provider. */
export interface PcmStreamRequest {
  /** The provider's label, on its errors. */
  provider: string;
  signal: AbortSignal;
  /** Makes the request (e.g. `fetchWithRetry`); its ProviderErrors pass through. */
  open(): Promise<Response>;
  /** The provider's `provider-bad-audio` error, saying what it asked for and `why` this is not it. */
  badAudio(why: string, response: Response): ProviderError;
}

/**
 * Yields each network read as samples in [-1, 1) (a read that ends mid-sample carries its odd
 * byte to the next). The first {@link SNIFF_BYTES} are held until they can be judged, so a body
 * that is not PCM (a compressed content type, a container signature, noise) is never played.
 * @throws the request's ProviderErrors; `provider-bad-audio` before any sample; `provider-protocol`
 *   for a body-less answer or a stream that breaks off. An abort ends quietly.
 */
export async function* readPcmStream(r: PcmStreamRequest): AsyncGenerator<Float32Array, void, undefined> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let drained = false;
  try {
    const response = await r.open();
    if (!response.body) throw new ProviderError('provider-protocol', r.provider, 'response has no body');
    const badType = nonPcmContentType(response.headers.get('content-type'));
    if (badType) throw r.badAudio(`the server sent ${badType}`, response);
    reader = response.body.getReader();
    const decoder = new PcmS16Decoder();
    let head: Uint8Array | null = new Uint8Array(0);
    for (;;) {
      const { done, value } = await reader.read();
      let bytes = value;
      if (head) {
        if (value) head = concatBytes(head, value);
        if (!done && head.length < SNIFF_BYTES) continue;
        const why = implausiblePcm(head);
        if (why) throw r.badAudio(why, response);
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
    if (r.signal.aborted) return;
    if (err instanceof ProviderError) throw err;
    throw new ProviderError('provider-protocol', r.provider, `audio stream ended early: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
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
