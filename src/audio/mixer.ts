import { downmixToMono } from './dsp/pcm';
import { type BusName, type MixerCommand, type MixerEvent, type MixerOptions, type SourceEndReason } from './worklet-protocol';

/** How a played source ended, with the samples (at the context rate) that reached the output. */
export interface PlaybackEnd {
  reason: SourceEndReason;
  /** Samples rendered, at the context rate: what the listener actually heard. */
  renderedSamples: number;
  /** The same in seconds. */
  renderedSeconds: number;
  /** Context frame at which it ended. */
  frame: number;
}

interface Pending {
  started: (frame: number) => void;
  ended: (end: PlaybackEnd) => void;
  /** Latest rendered count reported by the worklet (status events, ~30 Hz). */
  rendered: number;
  waiters: { samples: number; resolve: () => void }[];
}

/**
 * A stream of PCM into one bus, at any source rate: the mixer worklet resamples it to the
 * context rate as it arrives, and its jitter buffer absorbs main-thread stalls.
 */
export class MixerStream {
  /** Resolves with the context frame of the first rendered sample; -1 if it ended without rendering any. */
  readonly started: Promise<number>;
  /** Resolves when the stream has played out, was flushed or stopped. */
  readonly ended: Promise<PlaybackEnd>;
  readonly id: number;
  readonly bus: BusName;
  /** The mixer it plays on. */
  readonly mixer: Mixer;
  /** Hz of the samples given to `push()`. */
  readonly sourceRate: number;
  #closed = false;

  // Not tagged internal: `stripInternal` would drop the constructor from the declarations,
  // which then read as a public no-argument one.
  /** Made by {@link Mixer.createStream}; not constructed by apps. */
  constructor(mixer: Mixer, id: number, bus: BusName, sourceRate: number, pending: Promise<number>, ended: Promise<PlaybackEnd>) {
    this.mixer = mixer;
    this.id = id;
    this.bus = bus;
    this.sourceRate = sourceRate;
    this.started = pending;
    this.ended = ended;
  }

  /**
   * Appends float samples in [-1, 1] at `rate` Hz (default: the stream's source rate). The
   * samples are copied: the caller keeps its array.
   */
  push(samples: Float32Array, rate = this.sourceRate): void {
    if (this.#closed || samples.length === 0) return;
    this.mixer.post({ type: 'push', id: this.id, bus: this.bus, samples, rate });
  }

  /** Samples rendered so far (context rate), as last reported by the worklet (~30 Hz). */
  get rendered(): number {
    return this.mixer.renderedOf(this.id);
  }

  /** Resolves once `samples` (context rate) of this stream have been rendered, or it ended. */
  waitForRendered(samples: number): Promise<void> {
    return this.mixer.waitForRendered(this.id, samples);
  }

  /** Fades out (≈ 4 ms) and drops the rest; `ended` reports what was heard. */
  stop(): void {
    this.#closed = true;
    this.mixer.stop(this.id);
  }

  /** No more audio: the stream plays what it has, then ends. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.mixer.post({ type: 'end', id: this.id });
  }
}

/**
 * The main thread's handle on the mixer worklet: buses `voice`, `background` and
 * `thinking`, gains, ducking, streams and whole buffers.
 */
export class Mixer {
  readonly node: AudioWorkletNode;
  readonly #contextRate: number;
  readonly #pending = new Map<number, Pending>();
  readonly #onEvent: (e: MixerEvent) => void;
  #nextId = 1;
  #underruns = 0;

  /** Made by `AudioEngine.start()` (see `engine.mixer`); not constructed by apps. */
  constructor(node: AudioWorkletNode, contextRate: number, onEvent: (e: MixerEvent) => void) {
    this.node = node;
    this.#contextRate = contextRate;
    this.#onEvent = onEvent;
    node.port.onmessage = (e: MessageEvent<MixerEvent>) => this.#handle(e.data);
  }

  /** The AudioContext's sample rate, Hz: the rate of every rendered-sample count. */
  get contextRate(): number {
    return this.#contextRate;
  }

  /** @internal */
  renderedOf(id: number): number {
    return this.#pending.get(id)?.rendered ?? 0;
  }

  /** @internal */
  waitForRendered(id: number, samples: number): Promise<void> {
    const p = this.#pending.get(id);
    if (!p || p.rendered >= samples) return Promise.resolve();
    return new Promise((resolve) => p.waiters.push({ samples, resolve }));
  }

  /** Underrun episodes reported by the worklet so far. */
  get underruns(): number {
    return this.#underruns;
  }

  /** Opens a stream on `bus` (default `voice`) whose samples are at `sourceRate` Hz. */
  createStream(sourceRate: number, bus: BusName = 'voice'): MixerStream {
    const id = this.#nextId++;
    const { started, ended } = this.#track(id);
    // Register the source now, so it holds its place in the bus's queue from creation.
    this.post({ type: 'push', id, bus, samples: new Float32Array(0) });
    return new MixerStream(this, id, bus, sourceRate, started, ended);
  }

  /**
   * Plays a whole buffer on a bus (e.g. a background loop). Mono; a multi-channel
   * AudioBuffer is downmixed. Returns an id for {@link stop}.
   */
  play(audio: AudioBuffer | { samples: Float32Array; sampleRate: number }, options: { bus: BusName; loop?: boolean }): { id: number; started: Promise<number>; ended: Promise<PlaybackEnd> } {
    const { samples, sampleRate } = 'samples' in audio ? audio : { samples: monoOf(audio), sampleRate: audio.sampleRate };
    const id = this.#nextId++;
    const handles = this.#track(id);
    const data = samples.slice();
    this.post({ type: 'play', id, bus: options.bus, samples: data, rate: sampleRate, loop: options.loop ?? false }, [data.buffer]);
    return { id, ...handles };
  }

  /**
   * A new port straight to the worklet, for a worker that feeds streams (the TTS audio
   * worker): what it posts there never waits for the main thread.
   */
  openPort(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.post({ type: 'connect', port: port1 }, [port1]);
    return port2;
  }

  /** Fades out (≈ `fadeMs`) and removes one source. */
  stop(id: number): void {
    this.post({ type: 'stop', id });
  }

  /** Fades out what plays on `bus` (≤ 5 ms by default) and drops everything queued on it. */
  flush(bus: BusName = 'voice'): void {
    this.post({ type: 'flush', bus });
  }

  /**
   * Ramps a bus gain. `gain` is linear (1 = unity); `rampMs` default 20 (click-free); `at`:
   * context time, s, to start at (default now). A later call replaces a change still waiting.
   */
  setGain(bus: BusName, gain: number, rampMs = 20, at?: number): void {
    this.post({ type: 'gain', bus, gain, rampMs, atFrame: at === undefined ? undefined : Math.round(at * this.#contextRate) });
  }

  /** Changes ducking depth and ramps, jitter prebuffer or fade time. */
  configure(options: Partial<MixerOptions>): void {
    this.post({ type: 'configure', options });
  }

  /** @internal */
  post(cmd: MixerCommand, transfer: Transferable[] = []): void {
    this.node.port.postMessage(cmd, transfer);
  }

  /** Releases every pending promise as stopped (the context is going away). */
  dispose(): void {
    for (const [, p] of this.#pending) {
      p.started(-1);
      p.ended({ reason: 'stopped', renderedSamples: p.rendered, renderedSeconds: p.rendered / this.#contextRate, frame: 0 });
      for (const w of p.waiters) w.resolve();
    }
    this.#pending.clear();
    this.node.port.postMessage({ type: 'dispose' });
    this.node.port.onmessage = null;
  }

  #track(id: number): { started: Promise<number>; ended: Promise<PlaybackEnd> } {
    let started!: (frame: number) => void;
    let ended!: (end: PlaybackEnd) => void;
    const s = new Promise<number>((r) => (started = r));
    const e = new Promise<PlaybackEnd>((r) => (ended = r));
    this.#pending.set(id, { started, ended, rendered: 0, waiters: [] });
    return { started: s, ended: e };
  }

  #handle(e: MixerEvent): void {
    if (e.type === 'started') this.#pending.get(e.id)?.started(e.frame);
    else if (e.type === 'ended') {
      const p = this.#pending.get(e.id);
      this.#pending.delete(e.id);
      p?.started(-1); // a source that ends before it started must not leave `started` hanging
      p?.ended({ reason: e.reason, renderedSamples: e.rendered, renderedSeconds: e.rendered / this.#contextRate, frame: e.frame });
      for (const w of p?.waiters ?? []) w.resolve();
    } else if (e.type === 'underrun') this.#underruns++;
    else if (e.type === 'status') {
      for (const s of e.playing) {
        const p = this.#pending.get(s.id);
        if (!p) continue;
        p.rendered = s.rendered;
        p.waiters = p.waiters.filter((w) => (w.samples <= s.rendered ? (w.resolve(), false) : true));
      }
    }
    this.#onEvent(e);
  }
}

function monoOf(buffer: AudioBuffer): Float32Array {
  return downmixToMono(Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c)));
}
