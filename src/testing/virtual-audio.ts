import type { AudioEngineEvents } from '../audio/engine';
import { MixerCore } from '../audio/dsp/mixer-core';
import { Mixer } from '../audio/mixer';
import type { MixerCommand, MixerEvent, MixerOptions } from '../audio/worklet-protocol';
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
 * utterances take their real duration, and what was played is kept for assertions. The
 * mic is the VAD stand-in's business (`ScriptedVAD`); nothing here captures.
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
  #timer: ReturnType<typeof setInterval> | null = null;
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

  /** Starts rendering; `beforeMic` is awaited first, as `AudioEngine` does. */
  async start(options: { beforeMic?: PromiseLike<unknown> } = {}): Promise<void> {
    await Promise.resolve(options.beforeMic).catch(() => undefined);
    if (this.state !== 'new') return;
    this.state = 'running';
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
      this.#core.flushEvents((data) => this.#port.onmessage?.({ data: structuredClone(data) }));
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
