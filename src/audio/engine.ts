import { EarshotError, WorkletError, type AnyEarshotError } from '../errors';
import { EventHub } from '../events';
import { emitDetection, listenToCapture, type TappedBlock } from './capture';
import { contextState, createAudioContext, unlockAudioContext, type AudioContextStateEx } from './context';
import { GestureUnlock } from './gesture-unlock';
import { extras } from '../lazy';
import { Microphone, type MicrophoneOptions } from './microphone';
import { Mixer } from './mixer';
import { CAPTURE_PROCESSOR, MIXER_PROCESSOR, type CaptureDetector, type CaptureOptions, type MixerEvent, type MixerOptions } from './worklet-protocol';
import captureWorkletUrl from '../../worklets/capture.worklet.ts?worker&url';
import mixerWorkletUrl from '../../worklets/mixer.worklet.ts?worker&url';

/** Events of {@link AudioEngine}. `at` values are AudioContext seconds. */
export interface AudioEngineEvents {
  /** Mic level, about 30 times a second. `rms` and `peak` are linear, full scale 1. */
  input_level_measured: { rms: number; peak: number; at: number };
  /** Output level after mixing, about 30 times a second. */
  output_level_measured: { rms: number; peak: number; at: number };
  /** The mic track ended (device unplugged, permission revoked). Capture continues on silence. */
  microphone_ended: { deviceId: string | undefined; label: string };
  /** The AudioContext changed state (`interrupted` is iOS Safari's). */
  audio_context_state_changed: { state: AudioContextStateEx };
  /** A DTMF key press in the mic audio (when started with the `dtmf` detector); `at`: audio time, s. */
  dtmf_detected: { digit: string; at: number };
  /** A beep (steady 0.3–1.5 s tone) ended in the mic audio (the `beep` detector); `at`: audio time, s. */
  beep_detected: { at: number; durationSec: number; hz: number };
  /** Raw mixer events: sources started/ended, underruns. */
  mixer_event: MixerEvent;
  /** `setOutputDevice` switched the output (what echoes into the mic may have changed). */
  output_device_changed: { deviceId: string };
  error: { error: AnyEarshotError };
}

/** Routes the mixer's output stream; `close` releases what the route opened (called by `close()`). */
export type OutputRoute = (stream: MediaStream) => Promise<{ stream: MediaStream; close(): void }>;

export interface AudioEngineOptions {
  /** Use this context instead of creating one (it must not be closed by anyone else). */
  context?: AudioContext;
  microphone?: MicrophoneOptions;
  mixer?: Partial<MixerOptions>;
  /** Output device (`setSinkId`); default: the system default. */
  outputDeviceId?: string;
  /** Meter cadence, ms. Default 33 (≈ 30 Hz); 0 disables the meters. */
  levelIntervalMs?: number;
  /**
   * Where the output goes before the `<audio>` element, e.g. `earshot/telephony`'s
   * `aecLoopback()` (through a local peer connection, so Chrome's echo canceller sees the
   * agent's voice). Default: straight to the element.
   */
  outputRoute?: OutputRoute;
}

const VAD_CAPTURE: Omit<CaptureOptions, 'levelIntervalMs'> = { targetRate: 16000, frameSize: 512 };

/**
 * The audio graph: one AudioContext at the native rate, the mic into a capture worklet
 * (16 kHz frames to the VAD worker), and a mixer worklet whose output leaves through
 * an `<audio>` element so the output device can be chosen.
 */
export class AudioEngine extends EventHub<AudioEngineEvents> {
  readonly #options: AudioEngineOptions;
  #ctx: AudioContext | null = null;
  #ownsContext = false;
  #capture: AudioWorkletNode | null = null;
  #input: GainNode | null = null;
  #mixer: Mixer | null = null;
  #mic: Microphone | null = null;
  #element: HTMLAudioElement | null = null;
  #destination: MediaStreamAudioDestinationNode | null = null;
  #captureStart: Promise<number> | null = null;
  #starting: Promise<void> | null = null;
  #taps = new Set<AudioWorkletNode>();
  /** Bumped by close(): a start() still in progress sees it and stops (see #start). */
  #generation = 0;
  #unlock: GestureUnlock | null = null;

  constructor(options: AudioEngineOptions = {}) {
    super();
    this.#options = options;
  }

  /** The AudioContext (after `start()`). */
  get context(): AudioContext {
    return this.#need(this.#ctx);
  }

  get mixer(): Mixer {
    return this.#need(this.#mixer);
  }

  get microphone(): Microphone {
    return this.#need(this.#mic);
  }

  /**
   * Where the mic enters the graph, before the capture worklet. Connect other sources
   * here to mix them into what the VAD hears (a second input, or a test's echo path).
   */
  get inputNode(): AudioNode {
    return this.#need(this.#input);
  }

  /** The `<audio>` element the output plays through (not attached to the document). */
  get outputElement(): HTMLAudioElement {
    return this.#need(this.#element);
  }

  /** Context frame at which capture (audio time 0) began. */
  get captureStartFrame(): Promise<number> {
    return this.#need(this.#captureStart);
  }

  /**
   * Builds the graph and opens the mic. Call it from a user gesture (click, tap, key):
   * the context is resumed and the output element played synchronously, before the
   * first `await`, as Safari requires. Called without one, audio starts on the user's
   * next gesture (see {@link waitingForGesture}). Rejects with a typed error; what was
   * built is torn down.
   * @param options.beforeMic Awaited (its rejection ignored) before the mic opens, after
   *   the gesture-bound steps: e.g. the VAD's `preload()`, so audio time 0 is when the VAD
   *   can hear. Frames captured during a slow model load would otherwise be processed
   *   seconds late in a burst, while the level meters run live.
   * @param options.detectors Tone detectors the capture worklet runs on the mic audio
   *   (`dtmf_detected`, `beep_detected`). Default none.
   */
  start(options: { beforeMic?: PromiseLike<unknown>; detectors?: CaptureDetector[] } = {}): Promise<void> {
    this.#starting ??= this.#start(options.beforeMic, options.detectors).catch((err: unknown) => {
      this.close();
      throw err;
    });
    return this.#starting;
  }

  async #start(beforeMic?: PromiseLike<unknown>, detectors?: CaptureDetector[]): Promise<void> {
    const o = this.#options;
    const generation = this.#generation;
    // close() during start(): stop at the next step instead of building on a closed context.
    const check = (): void => {
      if (generation !== this.#generation) throw new EarshotError('closed', 'The audio engine was closed during start()');
    };
    const ctx = o.context ?? createAudioContext();
    this.#ownsContext = !o.context;
    this.#ctx = ctx;
    ctx.addEventListener('statechange', () => this.emit('audio_context_state_changed', { state: contextState(ctx) }));
    // Everything up to kick() runs synchronously, inside the caller's gesture: see GestureUnlock.
    this.#destination = ctx.createMediaStreamDestination();
    const el = new Audio();
    this.#element = el;
    if (!o.outputRoute) el.srcObject = this.#destination.stream;
    this.#unlock = new GestureUnlock(ctx, el);
    this.#unlock.kick();
    try {
      await Promise.all([ctx.audioWorklet.addModule(captureWorkletUrl), ctx.audioWorklet.addModule(mixerWorkletUrl)]);
    } catch (cause) {
      check();
      throw new WorkletError('Could not load the audio worklets', { cause });
    }
    check();
    const levelIntervalMs = o.levelIntervalMs ?? 33;
    const toSeconds = (frame: number) => frame / ctx.sampleRate;

    const mixerNode = new AudioWorkletNode(ctx, MIXER_PROCESSOR, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { ...o.mixer, ...(levelIntervalMs > 0 ? { statusIntervalMs: levelIntervalMs } : {}) },
    });
    mixerNode.onprocessorerror = () => this.emit('error', { error: new WorkletError('The mixer worklet failed') });
    this.#mixer = new Mixer(mixerNode, ctx.sampleRate, (e) => {
      if (e.type === 'status' && levelIntervalMs > 0) this.emit('output_level_measured', { rms: e.rms, peak: e.peak, at: toSeconds(e.frame) });
      this.emit('mixer_event', e);
    });
    mixerNode.connect(this.#destination);
    if (o.outputRoute) {
      const routed = await o.outputRoute(this.#destination.stream);
      this.#unroute = routed.close;
      el.srcObject = routed.stream;
    }
    check();
    if (o.outputDeviceId) await this.setOutputDevice(o.outputDeviceId);
    check();
    void el.play().catch(() => undefined); // refused without a gesture: GestureUnlock retries on the next one

    // The mic opens into a plain gain node; the capture node is created only after, so
    // its first quantum (audio time 0) is the start of the mic's audio: the fake device
    // restarts its file at open, and capture nodes without outputs run from creation.
    const input = ctx.createGain();
    this.#input = input;
    const mic = new Microphone(ctx, input, o.microphone ?? {}, (track) =>
      this.emit('microphone_ended', { deviceId: track.getSettings().deviceId, label: track.label }),
    );
    this.#mic = mic;
    if (beforeMic) await Promise.resolve(beforeMic).catch(() => undefined);
    check();
    try {
      await mic.open();
    } catch (err) {
      check();
      throw err;
    }
    if (generation !== this.#generation) mic.close(); // opened after close(): release it at once
    check();
    const capture = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      processorOptions: { ...VAD_CAPTURE, levelIntervalMs, ...(detectors ? { detectors } : {}) } satisfies CaptureOptions,
    });
    capture.onprocessorerror = () => this.emit('error', { error: new WorkletError('The capture worklet failed') });
    this.#capture = capture;
    this.#captureStart = listenToCapture(capture, VAD_CAPTURE.frameSize, {
      onLevel: (rms, peak, frame) => this.emit('input_level_measured', { rms, peak, at: toSeconds(frame) }),
      onDetect: (e) => emitDetection(e, VAD_CAPTURE.targetRate, this),
    }).startFrame;
    input.connect(capture);
    this.#unlock.armIfNeeded();
  }

  /**
   * True while audio waits for a user gesture: start() ran without one, or iOS
   * interrupted the context (a call, Siri). The next tap or key resumes it.
   */
  get waitingForGesture(): boolean {
    return this.#unlock?.waitingForGesture ?? false;
  }

  /** Releases the output route's resources. */
  #unroute: (() => void) | null = null;

  /** Resumes the context and the output element; call from a click or key handler. */
  async unlock(): Promise<AudioContextStateEx> {
    const state = this.#ctx ? await unlockAudioContext(this.#ctx) : 'suspended';
    await this.#element?.play().catch(() => undefined);
    return state;
  }

  /** Sends the 16 kHz, 512-sample capture frames to `port` (the VAD worker's). */
  connectFrames(port: MessagePort): void {
    this.#need(this.#capture).port.postMessage({ type: 'connect', port }, [port]);
  }

  /** Routes the output to another device (`HTMLMediaElement.setSinkId`). */
  async setOutputDevice(deviceId: string): Promise<void> {
    const el = this.#need(this.#element) as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (!el.setSinkId) throw new EarshotError('audio-unsupported', 'This browser cannot choose the output device (no setSinkId)');
    await el.setSinkId(deviceId);
    this.emit('output_device_changed', { deviceId });
  }

  /**
   * Records the mixer's output, block by block, exactly as rendered (for recording,
   * visualisation or tests). Returns a function that stops the tap. Its code loads with the
   * core's extras on first use (`asset-load-failed` if they cannot be fetched).
   */
  tapOutput(onBlock: (block: TappedBlock) => void, blockSize = 1024): Promise<() => void> {
    return this.#tap(this.mixer.node, onBlock, blockSize);
  }

  /**
   * Records the mic input at the context rate (what the VAD's capture hears, before its
   * resampling), on the same frame clock as {@link tapOutput}.
   */
  tapInput(onBlock: (block: TappedBlock) => void, blockSize = 1024): Promise<() => void> {
    return this.#tap(this.inputNode, onBlock, blockSize);
  }

  async #tap(source: AudioNode, onBlock: (block: TappedBlock) => void, blockSize: number): Promise<() => void> {
    return (await extras()).tap(source, onBlock, blockSize, this.#taps);
  }

  /**
   * Stops the mic, the worklets and (if it created it) the context. Idempotent; the
   * promise resolves once the context is closed.
   */
  close(): Promise<void> {
    this.#generation++;
    this.#unlock?.dispose();
    this.#unlock = null;
    this.#mic?.close();
    this.#mic = null;
    this.#capture?.port.postMessage({ type: 'stop' });
    this.#capture?.disconnect();
    this.#capture = null;
    this.#input?.disconnect();
    this.#input = null;
    for (const tap of this.#taps) tap.port.postMessage({ type: 'stop' });
    this.#taps.clear();
    this.#mixer?.dispose();
    this.#mixer?.node.disconnect();
    this.#mixer = null;
    if (this.#element) {
      this.#element.pause();
      this.#element.srcObject = null;
    }
    this.#element = null;
    this.#unroute?.();
    this.#unroute = null;
    for (const t of this.#destination?.stream.getTracks() ?? []) t.stop();
    this.#destination = null;
    const ctx = this.#ctx;
    this.#ctx = null;
    this.#starting = null;
    if (!ctx || !this.#ownsContext || ctx.state === 'closed') return Promise.resolve();
    // Let the processors see their stop message and return false from process() first:
    // closing the context in the same task leaves both AudioWorkletNodes alive in Blink
    // ("pending activity") until the page unloads (found by the bench's leak count).
    return new Promise<void>((resolve) => setTimeout(resolve, 30)).then(() => ctx.close()).catch(() => undefined);
  }

  #need<T>(v: T | null): T {
    if (v === null) throw new EarshotError('closed', 'The audio engine is not started (call start() first)');
    return v;
  }
}
