import type { AudioEngineEvents } from '../audio/engine';
import { CaptureCore } from '../audio/dsp/capture-core';
import { MixerCore } from '../audio/dsp/mixer-core';
import { StreamResampler } from '../audio/dsp/resampler';
import { emitDetection, type TappedBlock } from '../audio/capture';
import { Mixer } from '../audio/mixer';
import type { CaptureDetector, DetectedBeep, DetectedDigit, MixerCommand, MixerEvent, MixerOptions } from '../audio/worklet-protocol';
import { EarshotError } from '../errors';
import { EventHub } from '../events';
import type { AudioClock, SessionAudio, SessionMicrophone } from '../session/session-audio';

export interface VirtualAudioOptions {
  /** The virtual context's rate, Hz. Default 48 000. */
  sampleRate?: number;
  /** How often the virtual audio thread renders, ms of the timers' clock. Default 8. */
  tickMs?: number;
  /** Output level reports (`output_level_measured`), ms. Default 33, as `AudioEngine`. */
  levelIntervalMs?: number;
  mixer?: Partial<MixerOptions>;
}

/**
 * An audio graph without Web Audio, for running an `AgentSession` in Node (Vitest, fake
 * timers): the real mixer logic (`MixerCore`, as in the worklet) renders on a timer, so
 * utterances take their real duration, and what was played is kept for assertions. What
 * the VAD hears is the VAD stand-in's business (`ScriptedVAD`); audio given to
 * {@link playIntoMicrophone} goes through the capture worklet's core and its tone detectors
 * (`dtmf_detected`, `beep_detected`), as a real mic's would.
 *
 * ```ts
 * const audio = new VirtualAudio();
 * const session = new AgentSession(agent, pipeline, { audioEngine: () => audio });
 * ```
 */
export class VirtualAudio extends EventHub<AudioEngineEvents> implements SessionAudio {
  readonly context: AudioClock;
  readonly mixer: Mixer;
  readonly microphone: VirtualMicrophone = new VirtualMicrophone();
  readonly captureStartFrame: Promise<number> = Promise.resolve(0);
  /** `new` → `running` (start) → `closed`. */
  state: 'new' | 'running' | 'closed' = 'new';
  readonly #core: MixerCore;
  readonly #rate: number;
  readonly #tickMs: number;
  readonly #quantum = new Float32Array(128);
  readonly #played: Float32Array[] = [];
  #frame = 0;
  #ticks = 0;
  #capture: CaptureCore | null = null;
  /** Mic audio waiting to be captured, one quantum per rendered quantum. */
  #mic: Float32Array[] = [];
  #micAt = 0;
  readonly #micQuantum = new Float32Array(128);
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #taps = { input: new Set<Tap>(), output: new Set<Tap>() };
  readonly #port: { onmessage: ((e: { data: MixerEvent }) => void) | null; postMessage(cmd: MixerCommand | { type: 'dispose' }): void };

  constructor(options: VirtualAudioOptions = {}) {
    super();
    const rate = (this.#rate = options.sampleRate ?? 48_000);
    this.#tickMs = options.tickMs ?? 8;
    const levelMs = options.levelIntervalMs ?? 33;
    this.#core = new MixerCore(rate, { ...options.mixer, ...(levelMs > 0 ? { statusIntervalMs: levelMs } : {}) });
    const audio = this;
    this.context = {
      sampleRate: rate,
      get currentTime() {
        return audio.#frame / rate;
      },
      decodeAudioData: () => Promise.reject(new EarshotError('asset-load-failed', 'VirtualAudio cannot decode files: pass samples')),
    };
    this.#port = {
      onmessage: null,
      // A copy, as postMessage makes: the caller may reuse what it sent.
      postMessage: (cmd) => void (cmd.type === 'dispose' ? this.#stop() : this.#core.handle(structuredClone(cmd))),
    };
    this.mixer = new Mixer({ port: this.#port } as unknown as AudioWorkletNode, rate, (e) => {
      if (e.type === 'status' && levelMs > 0) this.emit('output_level_measured', { rms: e.rms, peak: e.peak, at: e.frame / rate });
      this.emit('mixer_event', e);
    });
  }

  /** Everything rendered so far (all buses, after gains), at `context.sampleRate`. */
  played(): Float32Array {
    const out = new Float32Array(this.#played.length * 128);
    this.#played.forEach((q, i) => out.set(q, i * 128));
    return out;
  }

  /** Starts rendering; `beforeMic` is awaited first, as `AudioEngine` does; `detectors` hear the mic. */
  async start(options: { beforeMic?: PromiseLike<unknown>; detectors?: CaptureDetector[] } = {}): Promise<void> {
    await Promise.resolve(options.beforeMic).catch(() => undefined);
    if (this.state !== 'new') return;
    this.state = 'running';
    if (options.detectors?.length) this.#capture = new CaptureCore(this.#rate, 16000, 512, 0, options.detectors);
    this.#timer = setInterval(() => this.#tick(), this.#tickMs);
  }

  async unlock(): Promise<'running'> {
    return 'running';
  }

  connectFrames(): void {
    // The VAD stand-in makes its own frames.
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.mixer.dispose();
    this.#stop();
  }

  /**
   * Plays `samples` (mono, at `sampleRate`, default the context's) into the virtual mic,
   * after what is queued: from the next render on, in real (timer) time.
   */
  playIntoMicrophone(samples: Float32Array, sampleRate = this.#rate): void {
    const r = new StreamResampler(sampleRate, this.#rate);
    const out = new Float32Array(r.maxOutputFor(samples.length));
    this.#mic.push(out.subarray(0, r.processInto(samples, out)));
  }

  /** Records what is rendered, in blocks of `blockSize` with their context frame, as `AudioEngine.tapOutput`. */
  tapOutput(onBlock: (block: TappedBlock) => void, blockSize = 1024): Promise<() => void> {
    return Promise.resolve(this.#tap('output', onBlock, blockSize));
  }

  /** Records the mic input (what {@link playIntoMicrophone} plays, silence else), as `AudioEngine.tapInput`. */
  tapInput(onBlock: (block: TappedBlock) => void, blockSize = 1024): Promise<() => void> {
    return Promise.resolve(this.#tap('input', onBlock, blockSize));
  }

  #tap(side: 'input' | 'output', onBlock: (block: TappedBlock) => void, blockSize: number): () => void {
    const tap = new Tap(onBlock, blockSize);
    this.#taps[side].add(tap);
    return () => void this.#taps[side].delete(tap);
  }

  /** The mic ends (unplugged): the session reopens the default device. */
  endMicrophone(): void {
    this.emit('microphone_ended', { deviceId: this.microphone.deviceId, label: 'virtual mic' });
  }

  #stop(): void {
    this.state = 'closed';
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    const target = Math.floor((++this.#ticks * this.#tickMs * this.#rate) / 1000);
    while (this.#frame + 128 <= target && this.state === 'running') {
      this.#core.render(this.#quantum, this.#frame);
      this.#frame += 128;
      this.#played.push(this.#quantum.slice());
      for (const tap of this.#taps.output) tap.push(this.#quantum, this.#frame - 128);
      this.#captureQuantum();
      this.#core.flushEvents((data) => this.#port.onmessage?.({ data: structuredClone(data) }));
    }
  }

  readonly #onDetect = (e: DetectedDigit | DetectedBeep): void => emitDetection(e, 16000, this);

  /** One quantum of the queued mic audio (silence when none) through the capture core. */
  #captureQuantum(): void {
    if (!this.#capture && !this.#taps.input.size) return;
    const q = this.#micQuantum;
    for (let i = 0; i < 128; i++) {
      const head = this.#mic[0];
      q[i] = head ? head[this.#micAt++]! : 0;
      if (head && this.#micAt >= head.length) {
        this.#mic.shift();
        this.#micAt = 0;
      }
    }
    for (const tap of this.#taps.input) tap.push(q, this.#frame - 128);
    this.#capture?.process([q], (frame) => this.#capture?.recycle(frame), () => undefined, this.#onDetect);
  }
}

/** Cuts quanta into blocks of `size` samples, each with the context frame of its first sample. */
class Tap {
  readonly #buf: Float32Array;
  #fill = 0;
  #frame = 0;
  constructor(
    readonly onBlock: (block: TappedBlock) => void,
    size: number,
  ) {
    this.#buf = new Float32Array(size);
  }

  push(quantum: Float32Array, frame: number): void {
    for (let i = 0; i < quantum.length; i++) {
      if (this.#fill === 0) this.#frame = frame + i;
      this.#buf[this.#fill++] = quantum[i]!;
      if (this.#fill === this.#buf.length) {
        this.#fill = 0;
        this.onBlock({ frame: this.#frame, samples: this.#buf.slice() });
      }
    }
  }
}

/** The stand-in mic: opens at once; counts its opens. */
class VirtualMicrophone implements SessionMicrophone {
  deviceId: string | undefined = 'virtual';
  track = { label: 'virtual mic' };
  opens = 0;

  async open(deviceId?: string): Promise<void> {
    this.opens++;
    this.deviceId = deviceId || 'default';
  }
}
