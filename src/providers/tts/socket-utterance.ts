/**
 * One utterance over a {@link SocketLink}: text pieces go out at word boundaries on one
 * context, audio comes back as floats. When the socket drops mid-utterance, a new socket is
 * opened (with backoff) and the text not yet spoken goes out in a new context: the spoken part
 * is known from the vendor's alignment (characters) or word timestamps, so audio already
 * delivered is never spoken again. Abort (or the consumer stopping) cancels the context.
 */

import { PcmS16Decoder } from '../../audio/dsp/pcm16';
import { ProviderError } from '../errors';
import { SocketLink, newContextId, type ContextListener, type SocketTTSOptions, type TTSFrame, type TTSWire } from './socket-link';

/** Characters per second of speech, to place audio in the text when the vendor sent no timing. */
const CHARS_PER_SEC = 15;

type Item = { samples: Float32Array } | { error: ProviderError } | { end: true };

/** Little-endian float32 bytes to floats, holding a partial sample for the next chunk. */
class PcmF32Decoder {
  #carry = new Uint8Array(0);
  push(bytes: Uint8Array): Float32Array {
    const all = this.#carry.length ? concat(this.#carry, bytes) : bytes;
    const n = all.length >> 2;
    const view = new DataView(all.buffer, all.byteOffset, all.byteLength);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
    this.#carry = all.slice(n * 4);
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Where to go on after `pos` characters were spoken: past a partly spoken word, and past spaces. */
export function resumeAt(text: string, pos: number): number {
  let i = Math.max(0, Math.min(text.length, Math.round(pos)));
  if (i > 0 && /\S/.test(text[i - 1]!)) while (i < text.length && /\S/.test(text[i]!)) i++;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** Characters of `text` up to the end of its `words`-th word. */
function afterWords(text: string, words: number): number {
  if (words <= 0) return 0;
  let n = 0;
  for (const m of text.matchAll(/\S+/g)) if (++n === words) return m.index + m[0].length;
  return text.length;
}

export class SocketUtterance implements ContextListener {
  readonly #link: SocketLink;
  readonly #wire: TTSWire;
  readonly #o: SocketTTSOptions;
  readonly #signal: AbortSignal;
  readonly #input: AsyncIterable<string>;
  readonly #rate: number;
  readonly #encoding: 's16' | 'f32';
  readonly #items: Item[] = [];
  #wake: (() => void) | undefined;
  #done = false;
  /** The utterance's text so far, as sent (word-aligned pieces). */
  #text = '';
  /** A trailing partial word, held until its end is known. */
  #held = '';
  #inputDone = false;
  /** Index in #text where the current context's text begins. */
  #base = 0;
  /** Index in #text up to which text went out. */
  #sent = 0;
  #connected = false;
  #context: string | undefined;
  #contextEnded = false;
  #heardFinal = false;
  #samples = 0;
  #chars: number | undefined;
  #wordEnds: number[] | undefined;
  #decoder: { push(bytes: Uint8Array): Float32Array } = new PcmS16Decoder();
  #attempts = 0;
  #firstTimer: ReturnType<typeof setTimeout> | undefined;
  #keepAliveTimer: ReturnType<typeof setTimeout> | undefined;
  #inputIt: AsyncIterator<string> | undefined;

  constructor(link: SocketLink, wire: TTSWire, options: SocketTTSOptions, format: { sampleRate: number; encoding: 's16' | 'f32' }, input: AsyncIterable<string>, signal: AbortSignal) {
    this.#link = link;
    this.#wire = wire;
    this.#o = options;
    this.#rate = format.sampleRate;
    this.#encoding = format.encoding;
    this.#input = input;
    this.#signal = signal;
  }

  async *run(): AsyncGenerator<Float32Array, void, undefined> {
    const signal = this.#signal;
    if (signal.aborted) return;
    const onAbort = () => this.#finish({ end: true });
    signal.addEventListener('abort', onAbort, { once: true });
    void this.#pumpText();
    void this.#connect();
    try {
      for (;;) {
        const item = this.#items.shift();
        if (!item) {
          await new Promise<void>((r) => (this.#wake = r));
          continue;
        }
        if ('end' in item) return;
        if ('error' in item) throw item.error;
        yield item.samples;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#finish({ end: true });
    }
  }

  // --- ContextListener -------------------------------------------------------------------

  frame(frame: TTSFrame): void {
    if (this.#done || frame.kind === 'ignore' || frame.context !== this.#context) return;
    if (frame.kind === 'error') return this.#finish({ error: frame.error });
    if (frame.kind === 'words') {
      (this.#wordEnds ??= []).push(...frame.ends);
      return;
    }
    if (frame.kind === 'final') {
      if (this.#contextEnded) {
        this.#heardFinal = true;
        return this.#finish({ end: true });
      }
      // The server ended the context before its text did (e.g. its inactivity limit): go on in a new one.
      return this.dropped(new ProviderError('provider-server', this.#wire.label, 'the server ended the context early', { retryable: true }));
    }
    const samples = this.#decoder.push(frame.bytes);
    if (frame.chars !== undefined) this.#chars = (this.#chars ?? 0) + frame.chars;
    if (samples.length === 0) return;
    clearTimeout(this.#firstTimer);
    this.#samples += samples.length;
    this.#attempts = 0;
    this.#items.push({ samples });
    this.#wake?.();
  }

  dropped(error: ProviderError): void {
    if (this.#done) return;
    if (this.#context) this.#link.unlisten(this.#context);
    clearTimeout(this.#firstTimer);
    clearTimeout(this.#keepAliveTimer);
    const max = this.#o.reconnects ?? 3;
    if (!error.retryable || this.#attempts >= max) {
      const gaveUp = error.retryable && max > 0 ? new ProviderError(error.code, this.#wire.label, `gave up after ${max} reconnects: ${error.message}`, { cause: error, ...(error.status !== undefined ? { status: error.status } : {}), retryable: true }) : error;
      return this.#finish({ error: gaveUp });
    }
    // Go on from the first word not yet (fully) spoken, in a new context on a new socket.
    if (this.#context) this.#base = resumeAt(this.#text, this.#base + this.#spoken());
    this.#sent = this.#base;
    this.#context = undefined;
    this.#contextEnded = false;
    this.#connected = false;
    // All of it was spoken; only the end of the context was lost.
    if (this.#inputDone && this.#text.slice(this.#base).trim() === '') return this.#finish({ end: true });
    const attempt = this.#attempts++;
    const delay = Math.min(250 * 2 ** attempt, 4000) * (1 - Math.random() * 0.25);
    setTimeout(() => void this.#connect(), delay);
  }

  /** Characters of the current context's text its delivered audio covers. */
  #spoken(): number {
    const text = this.#text.slice(this.#base, this.#sent);
    if (this.#chars !== undefined) return this.#chars;
    if (this.#wordEnds !== undefined) {
      const sec = this.#samples / this.#rate + 0.02;
      return afterWords(text, this.#wordEnds.filter((t) => t <= sec).length);
    }
    return (this.#samples / this.#rate) * CHARS_PER_SEC;
  }

  // --- text and contexts -----------------------------------------------------------------

  async #pumpText(): Promise<void> {
    const it = (this.#inputIt = this.#input[Symbol.asyncIterator]());
    try {
      for (;;) {
        const r = await it.next();
        if (this.#done) return;
        if (r.done) break;
        this.#held += r.value;
        // Whole words only: a vendor buffers and normalizes text by words.
        const cut = this.#held.search(/\s\S*$/);
        if (cut >= 0) {
          this.#text += this.#held.slice(0, cut + 1);
          this.#held = this.#held.slice(cut + 1);
          this.#flush();
        }
      }
    } catch (err) {
      if (this.#done || this.#signal.aborted) return;
      return this.#finish({ error: new ProviderError('provider-bad-request', this.#wire.label, `the text source failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }) });
    }
    this.#text += this.#held;
    this.#held = '';
    this.#inputDone = true;
    this.#flush();
  }

  async #connect(): Promise<void> {
    if (this.#done) return;
    try {
      await this.#link.ready();
    } catch (err) {
      const error = err instanceof ProviderError ? err : new ProviderError('provider-network', this.#wire.label, String(err), { cause: err });
      // A handshake that failed for the network counts as a reconnect attempt.
      if (error.retryable && this.#attempts > 0) return this.dropped(error);
      return this.#finish({ error });
    }
    if (this.#done) return;
    this.#connected = true;
    this.#flush();
  }

  /** Sends the text that is due on the current context, opening one if needed. */
  #flush(): void {
    if (!this.#connected || this.#done || this.#contextEnded) return;
    const pending = this.#text.slice(this.#sent);
    const last = this.#inputDone;
    let first = false;
    if (!this.#context) {
      if (last && this.#text.slice(this.#base).trim() === '') return this.#finish({ end: true });
      if (!pending.trim() && !last) return;
      first = true;
      this.#context = newContextId();
      this.#samples = 0;
      this.#chars = undefined;
      this.#wordEnds = undefined;
      this.#decoder = this.#encoding === 'f32' ? new PcmF32Decoder() : new PcmS16Decoder();
      this.#link.listen(this.#context, this);
    } else if (!pending && !last) return;
    if (!this.#link.send(this.#wire.text(this.#context, pending, first, last))) {
      return this.dropped(new ProviderError('provider-network', this.#wire.label, 'the socket closed', { retryable: true }));
    }
    this.#sent = this.#text.length;
    this.#armKeepAlive(last);
    if (!last) return;
    this.#contextEnded = true;
    const ms = this.#o.firstAudioTimeoutMs ?? 10_000;
    if (this.#samples === 0 && ms > 0 && Number.isFinite(ms)) {
      this.#firstTimer = setTimeout(() => this.#finish({ error: new ProviderError('provider-timeout', this.#wire.label, `no audio within ${ms} ms`, { retryable: true }) }), ms);
    }
  }

  /** While the context waits for text (the LLM is slow, a tool runs), the vendor's keep-alive goes out. */
  #armKeepAlive(ended: boolean): void {
    clearTimeout(this.#keepAliveTimer);
    const ms = this.#wire.keepAliveMs ?? 0;
    const context = this.#context;
    if (ended || !context || !this.#wire.keepAlive || !(ms > 0)) return;
    this.#keepAliveTimer = setTimeout(() => {
      if (this.#done || context !== this.#context || this.#contextEnded) return;
      this.#link.send([this.#wire.keepAlive!(context)]);
      this.#armKeepAlive(false);
    }, ms);
  }

  /** Ends once: queues the last item; an unfinished context is cancelled on the server. */
  #finish(last: { end: true } | { error: ProviderError }): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#signal.aborted) this.#items.length = 0;
    this.#items.push(this.#signal.aborted ? { end: true } : last);
    this.#wake?.();
    clearTimeout(this.#firstTimer);
    clearTimeout(this.#keepAliveTimer);
    const context = this.#context;
    if (context) {
      this.#link.unlisten(context);
      // Not heard to its end (abort, consumer stopped, error): stop the server generating it.
      if (!this.#heardFinal) this.#link.send([this.#wire.cancel(context)]);
    }
    void Promise.resolve(this.#inputIt?.return?.()).catch(() => undefined);
  }
}
