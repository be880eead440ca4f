import {
  BUSES,
  DEFAULT_MIXER_OPTIONS,
  type BusName,
  type MixerCommand,
  type MixerEvent,
  type MixerOptions,
  type SourceEndReason,
} from '../worklet-protocol';
import { type Level, LevelMeter, dbToGain } from './level';
import { StreamResampler, resampleBuffer } from './resampler';

export { DEFAULT_MIXER_OPTIONS };

/** A linear ramp toward a target, advanced one sample at a time. */
class Ramp {
  // Numbers from the start (a bare class field starts as undefined): V8 then stores
  // them as unboxed doubles instead of allocating a heap number per store.
  value = 0;
  target = 0;
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
  /** True while not ramping: every next value is `value`. */
  get steady(): boolean {
    return this.#remaining === 0;
  }
  /**
   * Writes the next `into.length` values into `into`: the per-sample loop of next() in
   * one call, because a number returned from a call that is not inlined is a heap
   * allocation on the audio thread.
   */
  fill(into: Float32Array): void {
    let value = this.value;
    let remaining = this.#remaining;
    const step = this.#step;
    for (let i = 0; i < into.length; i++) {
      if (remaining > 0) {
        remaining--;
        value = remaining === 0 ? this.target : value + step;
      }
      into[i] = value;
    }
    this.value = value;
    this.#remaining = remaining;
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
  /** Samples rendered before its bus was muted by a scheduled gain of 0 (-1: not muted): what was heard. */
  heard: number;
  /** Set when the source is being faded out; it ends when the fade reaches 0. */
  fade: Ramp | null;
  fadeReason: SourceEndReason;
  /** Streamed audio at another rate than the context's goes through this (made on its first push). */
  resampler: StreamResampler | null;
}

interface Bus {
  sources: Source[];
  gain: Ramp;
  /** A gain change waiting for its context frame (-1: none): numbers, no object per command. */
  atFrame: number;
  atGain: number;
  atRamp: number;
}

type StatusEvent = Extract<MixerEvent, { type: 'status' }>;
/** Status events kept for reuse at most (a fixed stack: an array's pop/push can reallocate). */
const STATUS_POOL_MAX = 16;
type Playing = StatusEvent['playing'][number];

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
  /** The same buses as an array: iterating a Map allocates an iterator. */
  readonly #busList: Bus[] = [];
  /** Status events that {@link flushEvents} posted, for reuse (a structured clone was sent). */
  readonly #statusPool: (StatusEvent | null)[] = new Array<StatusEvent | null>(STATUS_POOL_MAX).fill(null);
  #statusPooled = 0;
  readonly #duck = new Ramp(1);
  /**
   * Events not yet drained: the first `#eventCount` slots. The array is never truncated,
   * since `length = 0` drops its storage and the next push would allocate it again.
   */
  readonly #events: MixerEvent[] = [];
  #eventCount = 0;
  #meter: LevelMeter;
  #lastCreatedId = -1;
  #underruns = 0;
  /** Context frame at the end of the last rendered block, to time-stamp command effects. */
  #now = 0;
  #scratch = new Float32Array(128);
  /** dbToGain(duckDb), kept: a number returned by a call is a heap allocation unless inlined. */
  #duckGain = 1;
  /** Per-sample gains of a ramping bus and of the duck, for one quantum. */
  #gains = new Float32Array(128);
  #duckGains = new Float32Array(128);

  constructor(sampleRate: number, options: Partial<MixerOptions> = {}) {
    this.sampleRate = sampleRate;
    this.#opts = { ...DEFAULT_MIXER_OPTIONS, ...options };
    this.#meter = new LevelMeter(sampleRate, this.#opts.statusIntervalMs);
    this.#duckGain = dbToGain(this.#opts.duckDb);
    for (const name of BUSES) {
      const bus: Bus = { sources: [], gain: new Ramp(1), atFrame: -1, atGain: 1, atRamp: 0 };
      this.#buses.set(name, bus);
      this.#busList.push(bus);
    }
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
        const rate = cmd.rate ?? this.sampleRate;
        if (src.resampler?.fromRate !== rate && cmd.samples.length > 0) {
          this.#drain(src);
          src.resampler = rate === this.sampleRate ? null : new StreamResampler(rate, this.sampleRate);
        }
        // Resampled here, on arrival (not per render quantum): the main thread does no filtering.
        this.#enqueue(src, src.resampler ? src.resampler.process(cmd.samples) : cmd.samples);
        if (cmd.end) this.#end(src);
        return;
      }
      case 'end': {
        const src = this.#find(cmd.id);
        if (src) this.#end(src);
        return;
      }
      case 'play': {
        const rate = cmd.rate ?? this.sampleRate;
        this.#create(cmd.id, cmd.bus, rate === this.sampleRate ? cmd.samples : resampleBuffer(cmd.samples, rate, this.sampleRate), cmd.loop);
        return;
      }
      case 'stop': {
        for (const bus of this.#busList) {
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
      case 'gain': {
        const bus = this.#bus(cmd.bus);
        const ramp = Math.round((cmd.rampMs / 1000) * this.sampleRate);
        // Any gain command replaces one still waiting: e.g. the restore of a barge-in that was not confirmed.
        bus.atFrame = cmd.atFrame !== undefined && cmd.atFrame > this.#now ? cmd.atFrame : -1;
        if (bus.atFrame >= 0) {
          bus.atGain = cmd.gain;
          bus.atRamp = ramp;
        } else {
          bus.gain.to(cmd.gain, ramp);
          if (cmd.gain > 0) for (let i = 0; i < bus.sources.length; i++) bus.sources[i]!.heard = -1; // unmuted: heard again
        }
        return;
      }
      case 'connect':
        return; // handled by the worklet
      case 'configure':
        this.#opts = { ...this.#opts, ...cmd.options };
        this.#duckGain = dbToGain(this.#opts.duckDb);
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
    if (this.#scratch.length !== n) {
      // Only if the quantum size changes.
      this.#scratch = new Float32Array(n);
      this.#gains = new Float32Array(n);
      this.#duckGains = new Float32Array(n);
    }
    const scratch = this.#scratch;
    // Scheduled gain changes start with the quantum that holds their frame (≤ one quantum late).
    for (let b = 0; b < this.#busList.length; b++) {
      const bus = this.#busList[b]!;
      if (bus.atFrame >= 0 && bus.atFrame < frame + n) {
        bus.gain.to(bus.atGain, bus.atRamp);
        // Muted: what plays from here on is not heard (to the middle of the fade), e.g. for the history of a barge-in.
        const src = bus.sources[0];
        if (src && bus.atGain === 0 && src.heard < 0) src.heard = src.rendered + Math.max(0, bus.atFrame - frame) + (bus.atRamp >> 1);
        bus.atFrame = -1;
      }
    }
    const voiceActive = this.#renderBus(this.#bus('voice'), scratch, frame);
    this.#mixBus(this.#bus('voice'), scratch, out, null);

    const duckGain = this.#duckGain;
    const rampMs = voiceActive ? this.#opts.duckAttackMs : this.#opts.duckReleaseMs;
    const target = voiceActive ? duckGain : 1;
    if (this.#duck.target !== target) this.#duck.to(target, Math.round((rampMs / 1000) * this.sampleRate));

    this.#renderBus(this.#bus('background'), scratch, frame);
    this.#mixBus(this.#bus('background'), scratch, out, this.#duck);
    this.#renderBus(this.#bus('thinking'), scratch, frame);
    this.#mixBus(this.#bus('thinking'), scratch, out, null);

    this.#now = frame + n;
    const level = this.#meter.push(out);
    if (level) this.#emitEvent(this.#status(frame + n, level));
  }

  /** A status event, from the pool when there is one (no allocation in steady state). */
  // Takes the meter's Level object, not its numbers: doubles passed as arguments to a call
  // V8 does not inline are boxed, i.e. two heap numbers allocated per status.
  #status(frame: number, level: Level): StatusEvent {
    const pooled = this.#statusPooled > 0 ? this.#statusPool[--this.#statusPooled]! : null;
    const e = pooled ?? { type: 'status', frame: 0, rms: 0, peak: 0, underruns: 0, playing: [] };
    e.frame = frame;
    e.rms = level.rms;
    e.peak = level.peak;
    e.underruns = this.#underruns;
    const playing = e.playing;
    let count = 0;
    for (let b = 0; b < this.#busList.length; b++) {
      const sources = this.#busList[b]!.sources;
      for (let i = 0; i < sources.length; i++) {
        const s = sources[i]!;
        if (!s.everStarted) continue;
        const p: Playing = playing[count] ?? (playing[count] = { id: 0, bus: s.bus, rendered: 0 });
        p.id = s.id;
        p.bus = s.bus;
        p.rendered = s.rendered;
        count++;
      }
    }
    playing.length = count;
    return e;
  }

  /** Events produced since the last call, oldest first. */
  drainEvents(): MixerEvent[] {
    const out = this.#events.slice(0, this.#eventCount);
    this.#eventCount = 0;
    return out;
  }

  /**
   * Hands each event since the last call to `post`, oldest first, then reuses the status
   * events: `post` must copy what it keeps (a `postMessage` does). The audio thread's way
   * of draining, with no allocation.
   */
  flushEvents(post: (event: MixerEvent) => void): void {
    const events = this.#events;
    const count = this.#eventCount;
    this.#eventCount = 0;
    for (let i = 0; i < count; i++) {
      const e = events[i]!;
      post(e);
      if (e.type === 'status' && this.#statusPooled < STATUS_POOL_MAX) this.#statusPool[this.#statusPooled++] = e;
    }
  }

  #emitEvent(e: MixerEvent): void {
    this.#events[this.#eventCount++] = e;
  }

  #bus(name: BusName): Bus {
    return this.#buses.get(name)!;
  }

  #enqueue(src: Source, samples: Float32Array): void {
    if (samples.length === 0) return;
    src.chunks.push(samples);
    src.queued += samples.length;
  }

  /** A resampler's last samples (its filter delay), so the end of its audio is heard. */
  #drain(src: Source): void {
    const r = src.resampler;
    if (!r) return;
    const tail = r.process(new Float32Array(Math.ceil(r.fromRate / 100)));
    this.#enqueue(src, tail.subarray(0, Math.min(tail.length, r.latencyOutputSamples)));
    src.resampler = null;
  }

  #end(src: Source): void {
    if (src.ended) return;
    this.#drain(src);
    src.ended = true;
  }

  #find(id: number): Source | undefined {
    for (const bus of this.#busList) {
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
      everStarted: false, flowing: false, rendered: 0, heard: -1, fade: null, fadeReason: 'done', resampler: null,
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
    const src = bus.sources[index];
    if (!src) return;
    // A hand-written removal: splice() allocates the array of removed items.
    for (let i = index; i < bus.sources.length - 1; i++) bus.sources[i] = bus.sources[i + 1]!;
    bus.sources.length--;
    this.#emitEvent({ type: 'ended', id: src.id, bus: src.bus, rendered: src.heard < 0 ? src.rendered : Math.min(src.rendered, src.heard), frame, reason });
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
        this.#emitEvent({ type: 'started', id: src.id, bus: src.bus, frame: frame + offset });
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
      this.#emitEvent({ type: 'underrun', id: src.id, bus: src.bus, frame: frame + i, rendered: src.rendered });
    }
    return i - offset;
  }

  #mixBus(bus: Bus, buf: Float32Array, out: Float32Array, duck: Ramp | null): void {
    const gain = bus.gain;
    const n = out.length;
    if (gain.steady && (!duck || duck.steady)) {
      const g = duck ? gain.value * duck.value : gain.value;
      for (let i = 0; i < n; i++) out[i]! += buf[i]! * g;
      return;
    }
    const gains = this.#gains;
    gain.fill(gains);
    if (duck) {
      const duckGains = this.#duckGains;
      duck.fill(duckGains);
      for (let i = 0; i < n; i++) out[i]! += buf[i]! * gains[i]! * duckGains[i]!;
    } else {
      for (let i = 0; i < n; i++) out[i]! += buf[i]! * gains[i]!;
    }
  }
}
