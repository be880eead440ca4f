/**
 * The socket TTS providers' common class (ElevenLabs multi-context, Cartesia). In a page its
 * utterances are spoken from the TTS audio worker (issue 9): the worker holds the socket,
 * decodes the audio and posts it straight to the mixer worklet, while the main thread sends
 * the text, answers getToken() for each connection and reads back a copy of the audio for
 * accounting. Where no worker runs (Node, a custom `WebSocket` class, a failed load) the same
 * SocketLink and SocketUtterance run on the main thread.
 */

import type { MixerStream } from '../../audio/mixer';
import type { TTS, TTSRequest, TTSStreamRequest } from '../types';
import type { SocketLinkConfig } from './pipe-protocol';
import { SocketLink, type SocketTTSOptions, type TTSWire } from './socket-link';
import { SocketUtterance } from './socket-utterance';
import { pipeId, pipeListen, pipePost, pipeTo, preparePipe, type PipedAudio } from './tts-pipe';

/** A TTS over a {@link SocketLink}: one socket shared by its utterances, each a context. */
export abstract class SocketTTS implements TTS {
  abstract readonly label: string;
  abstract readonly sampleRate: number;
  protected abstract readonly encoding: 's16' | 'f32';
  protected abstract readonly wire: TTSWire;
  protected abstract readonly options: SocketTTSOptions;
  /** Which wire the worker builds. */
  protected abstract readonly vendor: SocketLinkConfig['vendor'];
  #link: SocketLink | undefined;
  /** The worker's link for this TTS (0: none yet). */
  #workerLink = 0;

  /** One text as one context. Blank text yields nothing, without a connection. */
  async *synthesize(request: TTSRequest): AsyncGenerator<Float32Array, void, undefined> {
    if (request.text.trim() === '') return;
    yield* this.stream({ text: once(request.text), signal: request.signal });
  }

  /**
   * One context whose text streams in; audio starts while text still comes. Faults end the
   * iteration with a ProviderError: `provider-auth` (bad key or token, at the handshake or in
   * band), `provider-timeout` (connect or first audio limit), `provider-protocol` (a malformed
   * frame), and the last drop's code once `reconnects` are used up. Aborts end quietly.
   */
  stream(request: TTSStreamRequest): AsyncIterable<Float32Array> {
    this.#link ??= new SocketLink(this.wire, this.options);
    return new SocketUtterance(this.#link, this.wire, this.options, { sampleRate: this.sampleRate, encoding: this.encoding }, request.text, request.signal).run();
  }

  /**
   * As {@link stream}, spoken from the TTS audio worker, which posts the audio straight to
   * `stream`'s mixer worklet (a busy main thread cannot starve it); on the main thread where
   * no worker runs or a `WebSocket` class was given (it cannot go to a worker).
   */
  streamTo(request: TTSStreamRequest, stream: MixerStream): PipedAudio {
    return this.#pipe(request.text, request.signal, stream);
  }

  /** As {@link synthesize}, delivered as {@link streamTo} does. */
  synthesizeTo(request: TTSRequest, stream: MixerStream): PipedAudio {
    return this.#pipe(request.text.trim() ? once(request.text) : null, request.signal, stream);
  }

  /** Loads the audio worker once the session's mixer exists, so the first answer does not wait for it. */
  prepare(mixer: MixerStream['mixer']): void {
    if (!this.options.WebSocket) preparePipe(mixer);
  }

  /** Closes the shared socket now (it also closes itself after `idleCloseMs` unused). */
  close(): void {
    this.#link?.close();
    if (this.#workerLink) {
      pipePost({ type: 'close-link', link: this.#workerLink });
      pipeListen(this.#workerLink, null);
      this.#workerLink = 0;
    }
  }

  #pipe(text: AsyncIterable<string> | null, signal: AbortSignal, stream: MixerStream): PipedAudio {
    const relay = text && new TextRelay(text);
    const main = () => (relay ? this.stream({ text: relay.take(), signal }) : none());
    if (!relay || this.options.WebSocket) return pipeTo(null, stream, signal, main);
    return pipeTo(
      {
        provider: this.label,
        command: (job, mixer) => ({ type: 'say', job, mixer, stream: stream.id, rate: stream.sourceRate, link: this.#linkId(), config: this.#config() }),
        started: (job) => void relay.pump(job),
        finish: () => relay.stop(),
      },
      stream,
      signal,
      main,
    );
  }

  /** The worker's link for this TTS; its connections' tokens are asked of `getToken` here. */
  #linkId(): number {
    if (this.#workerLink) return this.#workerLink;
    const link = (this.#workerLink = pipeId());
    const getToken = this.options.getToken;
    if (getToken) {
      pipeListen(link, (e) => {
        if (e.type !== 'token') return;
        const request = e.request;
        getToken().then(
          (token) => pipePost({ type: 'token', link, request, token }),
          (err: unknown) => pipePost({ type: 'token', link, request, error: err instanceof Error ? err.message : String(err) }),
        );
      });
    }
    return link;
  }

  #config(): SocketLinkConfig {
    // Functions cannot cross to the worker; a relative URL is the page's, not the worker script's.
    const options = Object.fromEntries(Object.entries(this.options).filter(([, v]) => typeof v !== 'function'));
    if (typeof options.baseURL === 'string') options.baseURL = new URL(options.baseURL, location.href).href;
    return { vendor: this.vendor, label: this.label, rate: this.sampleRate, encoding: this.encoding, options, token: !!this.options.getToken };
  }
}

/**
 * Forwards an utterance's text to the worker as it comes, keeping what it read: if the worker
 * fails before any audio, the main thread takes the utterance over with all of its text.
 */
class TextRelay {
  readonly #source: AsyncIterable<string>;
  #it: AsyncIterator<string> | undefined;
  readonly #read: string[] = [];
  /** The worker's job the text goes to (0: none, or taken over). */
  #job = 0;
  #done = false;
  #failed = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  constructor(source: AsyncIterable<string>) {
    this.#source = source;
  }

  async pump(job: number): Promise<void> {
    this.#job = job;
    const it = (this.#it = this.#source[Symbol.asyncIterator]());
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        this.#read.push(r.value);
        if (this.#job) pipePost({ type: 'text', job: this.#job, text: r.value });
        this.#wake?.();
      }
      if (this.#job) pipePost({ type: 'text-end', job: this.#job });
    } catch (err) {
      this.#failed = true;
      this.#error = err;
      if (this.#job) pipePost({ type: 'text-end', job: this.#job, error: err instanceof Error ? err.message : String(err) });
    }
    this.#done = true;
    this.#wake?.();
  }

  /** The text for the main thread: all of it if none went to the worker, else what was read so far, then the rest. */
  async *take(): AsyncGenerator<string, void, undefined> {
    if (!this.#it) return yield* this.#source;
    this.#job = 0;
    for (let i = 0; ; ) {
      if (i < this.#read.length) yield this.#read[i++]!;
      else if (this.#failed) throw this.#error;
      else if (this.#done) return;
      else await new Promise<void>((r) => (this.#wake = r));
    }
  }

  /** The utterance is over: the source is told to stop. */
  stop(): void {
    this.#job = 0;
    void Promise.resolve(this.#it?.return?.()).catch(() => undefined);
  }
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

async function* none(): AsyncGenerator<Float32Array> {}
