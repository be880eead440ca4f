// The TTS audio worker: fetches a PCM TTS request, speaks a socket TTS's utterance on a
// socket of its own, or holds a realtime model's socket (realtime/worker-side.ts), decodes the
// audio and posts the samples straight to the mixer worklet's port, so a blocked main thread
// cannot starve playback (issue 9). A copy goes back to the main thread for accounting (which
// text was heard), where it may lag. The worklet resamples, as for audio pushed from the main
// thread.
import type { MixerCommand } from '../../audio/worklet-protocol';
import type { CartesiaTTSOptions } from './cartesia';
import { CartesiaWire } from './cartesia-wire';
import type { ElevenLabsTTSOptions } from './elevenlabs';
import { ElevenLabsWire } from './elevenlabs-wire';
import { fetchPcm } from './pcm-fetch';
import { toPipeError } from './pipe-error';
import type { PipeCommand, PipeEvent, SocketLinkConfig } from './pipe-protocol';
import { isRealtimeCommand, realtimeCommand } from '../realtime/worker-side';
import { SocketLink, type SocketTTSOptions, type TTSWire } from './socket-link';
import { SocketUtterance } from './socket-utterance';

interface WorkerScope {
  postMessage(message: PipeEvent, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<PipeCommand>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const ports = new Map<number, MessagePort>();
const jobs = new Map<number, { abort: AbortController; end: boolean; text?: TextFeed }>();
/** Socket TTS links by the main thread's id: one socket each, shared by its utterances. */
const links = new Map<number, { link: SocketLink; wire: TTSWire; options: SocketTTSOptions; config: SocketLinkConfig }>();
const tokens = new Map<number, { resolve: (token: string) => void; reject: (err: Error) => void }>();
let nextToken = 1;

const toMixer = (port: MessagePort | undefined, cmd: MixerCommand, transfer: Transferable[] = []) => port?.postMessage(cmd, transfer);

/** An utterance's text as it arrives from the main thread. */
class TextFeed implements AsyncIterable<string> {
  #pieces: string[] = [];
  #done = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  push(text: string): void {
    this.#pieces.push(text);
    this.#wake?.();
  }
  end(error?: string): void {
    this.#done = true;
    if (error !== undefined) this.#error = new Error(error);
    this.#wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    for (;;) {
      if (this.#pieces.length) yield this.#pieces.shift()!;
      else if (this.#error) throw this.#error;
      else if (this.#done) return;
      else await new Promise<void>((r) => (this.#wake = r));
    }
  }
}

/** getToken() on the main thread, for link `link`'s next connection. */
function askToken(link: number): Promise<string> {
  const request = nextToken++;
  return new Promise((resolve, reject) => {
    tokens.set(request, { resolve, reject });
    scope.postMessage({ type: 'token', job: link, request });
  });
}

function linkFor(id: number, config: SocketLinkConfig) {
  let l = links.get(id);
  if (!l) {
    // The vendor's options bar their functions; getToken asks the main thread.
    const options = { ...config.options, ...(config.token ? { getToken: () => askToken(id) } : {}) } as ElevenLabsTTSOptions & CartesiaTTSOptions;
    const wire: TTSWire = config.vendor === 'elevenlabs' ? new ElevenLabsWire(options, config.label, config.rate) : new CartesiaWire(options, config.label, config.rate);
    links.set(id, (l = { link: new SocketLink(wire, options), wire, options, config }));
  }
  return l;
}

/** Pushes the audio of `source` to the mixer and a copy to the main thread, until done, failed or aborted. */
async function run(job: number, mixer: number, stream: number, rate: number, provider: string, source: (signal: AbortSignal) => AsyncIterable<Float32Array>, text?: TextFeed): Promise<void> {
  const state = { abort: new AbortController(), end: false, ...(text ? { text } : {}) };
  jobs.set(job, state);
  const signal = state.abort.signal;
  const port = ports.get(mixer);
  try {
    for await (const samples of source(signal)) {
      if (signal.aborted) break;
      const copy = samples.slice();
      toMixer(port, { type: 'push', id: stream, bus: 'voice', samples: copy, rate }, [copy.buffer]);
      scope.postMessage({ type: 'audio', job, samples }, [samples.buffer]);
    }
    if (!signal.aborted) scope.postMessage({ type: 'done', job });
  } catch (err) {
    if (signal.aborted) return;
    scope.postMessage({ type: 'error', job, error: toPipeError(err, provider) });
  } finally {
    if (state.end && !signal.aborted) toMixer(port, { type: 'end', id: stream });
    jobs.delete(job);
  }
}

scope.onmessage = (e) => {
  const cmd = e.data;
  if (isRealtimeCommand(cmd)) return realtimeCommand(cmd, (event, transfer) => scope.postMessage(event, transfer), (mixer) => ports.get(mixer));
  switch (cmd.type) {
    case 'port':
      return void ports.set(cmd.mixer, cmd.port);
    case 'job':
      return void run(cmd.job, cmd.mixer, cmd.stream, cmd.rate, cmd.request.provider, (signal) => fetchPcm(cmd.request, signal, (meta) => scope.postMessage({ type: 'meta', job: cmd.job, meta })));
    case 'say': {
      const { link, wire, options, config } = linkFor(cmd.link, cmd.config);
      const text = new TextFeed();
      const format = { sampleRate: config.rate, encoding: config.encoding };
      return void run(cmd.job, cmd.mixer, cmd.stream, cmd.rate, config.label, (signal) => new SocketUtterance(link, wire, options, format, text, signal).run(), text);
    }
    case 'text':
      return jobs.get(cmd.job)?.text?.push(cmd.text);
    case 'text-end':
      return jobs.get(cmd.job)?.text?.end(cmd.error);
    case 'token': {
      const wait = tokens.get(cmd.request);
      tokens.delete(cmd.request);
      return cmd.token !== undefined ? wait?.resolve(cmd.token) : wait?.reject(new Error(cmd.error ?? 'no token'));
    }
    case 'close-link':
      links.get(cmd.link)?.link.close();
      return void links.delete(cmd.link);
    case 'end-stream':
      return toMixer(ports.get(cmd.mixer), { type: 'end', id: cmd.stream });
    default: {
      const state = jobs.get(cmd.job);
      if (!state) return;
      if (cmd.type === 'abort') state.abort.abort();
      else state.end = true;
    }
  }
};
