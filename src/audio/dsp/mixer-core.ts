import {
  BUSES,
  type BusName,
  type MixerCommand,
  type MixerEvent,
  type MixerOptions,
  type SourceEndReason,
} from '../worklet-protocol';
import { LevelMeter, dbToGain } from './level';

/** Defaults of the mixer; every field can be overridden at creation or by `configure`. */
export const DEFAULT_MIXER_OPTIONS: MixerOptions = {
  prebufferMs: 40,
  duckDb: -12,
  duckAttackMs: 30,
  duckReleaseMs: 250,
  fadeMs: 4,
  statusIntervalMs: 33,
};

/** A linear ramp toward a target, advanced one sample at a time. */
class Ramp {
  value: number;
  target: number;
  #step = 0;
  /** Steps left; the last one lands exactly on `target` (summing steps can miss it by an ulp). */
  #remaining = 0;
  constructor(value: number) {
    this.value = value;
    this.target = value;
  }
  /** Ramps from the current value to `target` over `samples` samples (0 = jump). */
  to(target: number, samples: number): void {
    this.target = target;
    if (samples <= 0 || target === this.value) {
      this.value = target;
      this.#step = 0;
      this.#remaining = 0;
    } else {
      this.#step = (target - this.value) / samples;
      this.#remaining = samples;
    }
  }
  next(): number {
    if (this.#remaining > 0) {
      this.#remaining--;
      this.value = this.#remaining === 0 ? this.target : this.value + this.#step;
    }
    return this.value;
  }
}

interface Source {
  id: number;
  bus: BusName;
  /** Streamed audio not yet rendered; `head` indexes into chunks[0]. */
  chunks: Float32Array[];
  head: number;
  queued: number;
  /** No more data will arrive (a streamed source drains, then ends). */
  ended: boolean;
  /** Whole-buffer source (play): rendered from `buffer`, optionally looped. */
  buffer: Float32Array | null;
  loop: boolean;
  position: number;
  everStarted: boolean;
  /** False while prebuffering or starved. */
  flowing: boolean;
  rendered: number;
  /** Set when the source is being faded out; it ends when the fade reaches 0. */
  fade: Ramp | null;
  fadeReason: SourceEndReason;
}

interface Bus {
  sources: Source[];
  gain: Ramp;
}

/**
 * The mixer's signal path, free of Web Audio so it runs in Node tests and in the
 * AudioWorklet alike: buses of sequential sources, per-bus gain ramps, background
 * ducking under voice, a jitter buffer that counts underruns, fades on flush/stop,
 * and per-source counts of samples actually rendered.
 */
export class MixerCore {
  readonly sampleRate: number;
  #opts: MixerOptions;
  readonly #buses = new Map<BusName, Bus>();
  readonly #duck = new Ramp(1);
  readonly #events: MixerEvent[] = [];
  #meter: LevelMeter;
  #lastCreatedId = -1;
  #underruns = 0;
  /** Context frame at the end of the last rendered block, to time-stamp command effects. */
  #now = 0;
  readonly #scratch = new Float32Array(128);

  constructor(sampleRate: number, options: Partial<MixerOptions> = {}) {
    this.sampleRate = sampleRate;
    this.#opts = { ...DEFAULT_MIXER_OPTIONS, ...options };
    this.#meter = new LevelMeter(sampleRate, this.#opts.statusIntervalMs);
    for (const name of BUSES) this.#buses.set(name, { sources: [], gain: new Ramp(1) });
  }

  /** Underrun episodes so far: a started stream ran dry before its end was signalled. */
  get underruns(): number {
    return this.#underruns;
  }

  /** Applies one command from the main thread. */
  handle(cmd: MixerCommand): void {
    switch (cmd.type) {
      case 'push': {
        const src = this.#find(cmd.id) ?? this.#create(cmd.id, cmd.bus, null, false);
        if (!src || src.ended) return; // late data for a flushed or finished stream
        if (cmd.samples.length > 0) {
          src.chunks.push(cmd.samples);
          src.queued += cmd.samples.length;
        }
        if (cmd.end) src.ended = true;
        return;
      }
      case 'end': {
        const src = this.#find(cmd.id);
        if (src) src.ended = true;
        return;
      }
      case 'play':
        this.#create(cmd.id, cmd.bus, cmd.samples, cmd.loop);
        return;
      case 'stop': {
        for (const bus of this.#buses.values()) {
          const i = bus.sources.findIndex((s) => s.id === cmd.id);
          if (i === 0) this.#fadeOut(bus, 'stopped');
          else if (i > 0) this.#remove(bus, i, 'stopped', this.#now);
        }
        return;
      }
      case 'flush': {
        const bus = this.#bus(cmd.bus);
        while (bus.sources.length > 1) this.#remove(bus, bus.sources.length - 1, 'flushed', this.#now);
        this.#fadeOut(bus, 'flushed');
        return;
      }
      case 'gain':
        this.#bus(cmd.bus).gain.to(cmd.gain, Math.round((cmd.rampMs / 1000) * this.sampleRate));
        return;
      case 'configure':
        this.#opts = { ...this.#opts, ...cmd.options };
        if (cmd.options.statusIntervalMs !== undefined) {
          this.#meter = new LevelMeter(this.sampleRate, this.#opts.statusIntervalMs);
        }
        return;
    }
  }

  /**
   * Renders one block into `out` (overwritten). `frame` is the context frame of
   * out[0], used to time-stamp events.
   */
  render(out: Float32Array, frame: number): void {
    out.fill(0);
    const n = out.length;
    const scratch = n <= this.#scratch.length ? this.#scratch.subarray(0, n) : new Float32Array(n);
    const voiceActive = this.#renderBus(this.#bus('voice'), scratch, frame);
    this.#mixBus(this.#bus('voice'), scratch, out, null);

    const duckGain = dbToGain(this.#opts.duckDb);
    const rampMs = voiceActive ? this.#opts.duckAttackMs : this.#opts.duckReleaseMs;
    const target = voiceActive ? duckGain : 1;
    if (this.#duck.target !== target) this.#duck.to(target, Math.round((rampMs / 1000) * this.sampleRate));

    this.#renderBus(this.#bus('background'), scratch, frame);
    this.#mixBus(this.#bus('background'), scratch, out, this.#duck);
    this.#renderBus(this.#bus('thinking'), scratch, frame);
    this.#mixBus(this.#bus('thinking'), scratch, out, null);

    this.#now = frame + n;
    const level = this.#meter.push(out);
    if (level) {
      const playing: { id: number; bus: BusName; rendered: number }[] = [];
      for (const bus of this.#buses.values()) {
        for (const s of bus.sources) if (s.everStarted) playing.push({ id: s.id, bus: s.bus, rendered: s.rendered });
      }
      this.#events.push({ type: 'status', frame: frame + n, rms: level.rms, peak: level.peak, underruns: this.#underruns, playing });
    }
  }

  /** Events produced since the last call, oldest first. */
  drainEvents(): MixerEvent[] {
    return this.#events.splice(0, this.#events.length);
  }

  #bus(name: BusName): Bus {
    return this.#buses.get(name)!;
  }

  #find(id: number): Source | undefined {
    for (const bus of this.#buses.values()) {
      for (const s of bus.sources) if (s.id === id) return s;
    }
    return undefined;
  }

  #create(id: number, busName: BusName, buffer: Float32Array | null, loop: boolean): Source | undefined {
    // Ids only grow: an unknown id at or below the last one belongs to a source that
    // already ended or was flushed, and its late chunks are dropped.
    if (id <= this.#lastCreatedId) return undefined;
    this.#lastCreatedId = id;
    const src: Source = {
      id, bus: busName, chunks: [], head: 0, queued: 0, ended: buffer !== null, buffer, loop, position: 0,
      everStarted: false, flowing: false, rendered: 0, fade: null, fadeReason: 'done',
    };
    this.#bus(busName).sources.push(src);
    return src;
  }

  #fadeOut(bus: Bus, reason: SourceEndReason): void {
    const src = bus.sources[0];
    if (!src || src.fade) return;
    if (!src.flowing) {
      this.#remove(bus, 0, reason, this.#now);
      return;
    }
    src.fade = new Ramp(1);
    src.fade.to(0, Math.max(1, Math.round((this.#opts.fadeMs / 1000) * this.sampleRate)));
    src.fadeReason = reason;
  }

  #remove(bus: Bus, index: number, reason: SourceEndReason, frame: number): void {
    const [src] = bus.sources.splice(index, 1);
    if (src) this.#events.push({ type: 'ended', id: src.id, bus: src.bus, rendered: src.rendered, frame, reason });
  }

  /** Fills `buf` with the bus's sources, in order. Returns whether any sample was produced. */
  #renderBus(bus: Bus, buf: Float32Array, frame: number): boolean {
    buf.fill(0);
    let filled = 0;
    let produced = false;
    while (filled < buf.length) {
      const src = bus.sources[0];
      if (!src) break;
      const wrote = this.#read(src, buf, filled, frame);
      if (wrote > 0) produced = true;
      filled += wrote;
      if (this.#finished(src)) {
        this.#remove(bus, 0, src.fade ? src.fadeReason : 'done', frame + filled);
        continue;
      }
      break; // starved or prebuffering: the rest of the block is silence
    }
    return produced;
  }

  #finished(src: Source): boolean {
    // A fading stream that runs out of data is over: waiting for more would hold up the bus.
    if (src.fade && (src.fade.value <= 0 || (!src.buffer && src.queued === 0))) return true;
    if (src.buffer) return !src.loop && src.position >= src.buffer.length;
    return src.ended && src.queued === 0;
  }

  /** Copies up to the rest of the block from one source; returns samples written. */
  #read(src: Source, buf: Float32Array, offset: number, frame: number): number {
    if (!src.flowing) {
      const prebuffer = (this.#opts.prebufferMs / 1000) * this.sampleRate;
      const ready = src.buffer !== null || src.ended || src.queued >= prebuffer;
      if (!ready || (src.buffer === null && src.queued === 0)) return 0;
      src.flowing = true;
      if (!src.everStarted) {
        src.everStarted = true;
        this.#events.push({ type: 'started', id: src.id, bus: src.bus, frame: frame + offset });
      }
    }
    let i = offset;
    const fade = src.fade;
    while (i < buf.length) {
      let sample: number;
      if (src.buffer) {
        if (src.position >= src.buffer.length) {
          if (!src.loop || src.buffer.length === 0) break;
          src.position = 0;
        }
        sample = src.buffer[src.position++]!;
      } else {
        const chunk = src.chunks[0];
        if (!chunk) break;
        sample = chunk[src.head++]!;
        src.queued--;
        if (src.head >= chunk.length) {
          src.chunks.shift();
          src.head = 0;
        }
      }
      if (fade) {
        sample *= fade.next();
        buf[i++] = sample;
        src.rendered++;
        if (fade.value <= 0) break;
      } else {
        buf[i++] = sample;
        src.rendered++;
      }
    }
    if (i < buf.length && !src.buffer && !src.ended && !fade) {
      // Needed a sample and had none mid-stream: count one underrun and prebuffer
      // again before resuming, so a slow stream plays in bursts rather than crackles.
      src.flowing = false;
      this.#underruns++;
      this.#events.push({ type: 'underrun', id: src.id, bus: src.bus, frame: frame + i });
    }
    return i - offset;
  }

  #mixBus(bus: Bus, buf: Float32Array, out: Float32Array, duck: Ramp | null): void {
    const gain = bus.gain;
    for (let i = 0; i < out.length; i++) {
      const g = duck ? gain.next() * duck.next() : gain.next();
      out[i]! += buf[i]! * g;
    }
  }
}
