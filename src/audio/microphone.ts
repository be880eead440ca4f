import { MicrophoneError } from '../errors';

/** Microphone constraints. The three processing flags default to on. */
export interface MicrophoneOptions {
  /** `deviceId` from {@link listMicrophones}; default: the system default. */
  deviceId?: string;
  /** Default true. Lets the browser's AEC remove the agent's voice from the mic. */
  echoCancellation?: boolean;
  /** Default true. */
  noiseSuppression?: boolean;
  /** Default true. */
  autoGainControl?: boolean;
  /**
   * Opens the input instead of `navigator.mediaDevices.getUserMedia`: a fake mic in tests
   * (`createFakeMicrophone` from `earshot/testing`), or a stream from elsewhere. Called on
   * every `open()` with the constraints Earshot would pass and the engine's AudioContext;
   * a rejection is mapped to a {@link MicrophoneError} like getUserMedia's. Default: none.
   */
  getStream?: (constraints: MediaStreamConstraints, context: AudioContext) => Promise<MediaStream>;
}

function isOverconstrained(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'OverconstrainedError';
}

/** Audio inputs listed by the browser, or undefined if it cannot tell. */
async function countAudioInputs(): Promise<number | undefined> {
  try {
    return (await listMicrophones()).length;
  } catch {
    return undefined;
  }
}

/** Audio inputs; labels are empty until the page has been granted the mic once. */
export async function listMicrophones(): Promise<MediaDeviceInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((d) => d.kind === 'audioinput');
}

/**
 * An open microphone feeding one AudioNode. Switching devices keeps the node that
 * consumes it, so the capture clock and everything downstream carry on.
 */
export class Microphone {
  readonly #ctx: AudioContext;
  readonly #sink: AudioNode;
  readonly #onEnded: (track: MediaStreamTrack) => void;
  #options: MicrophoneOptions;
  #stream: MediaStream | null = null;
  #source: MediaStreamAudioSourceNode | null = null;
  #muted = false;
  #closed = false;

  constructor(ctx: AudioContext, sink: AudioNode, options: MicrophoneOptions, onEnded: (track: MediaStreamTrack) => void) {
    this.#ctx = ctx;
    this.#sink = sink;
    this.#options = options;
    this.#onEnded = onEnded;
  }

  /** The live track, or null before `open()` / after `close()`. */
  get track(): MediaStreamTrack | null {
    return this.#stream?.getAudioTracks()[0] ?? null;
  }

  /** The open device's id, as reported by the track. */
  get deviceId(): string | undefined {
    return this.track?.getSettings().deviceId;
  }

  get muted(): boolean {
    return this.#muted;
  }

  /** Mutes by disabling the track: the capture keeps running on silence, audio time goes on. */
  set muted(value: boolean) {
    this.#muted = value;
    const track = this.track;
    if (track) track.enabled = !value;
  }

  /** Opens the device (or re-opens another). Rejects with a {@link MicrophoneError}. */
  async open(deviceId = this.#options.deviceId): Promise<void> {
    const { getStream } = this.#options;
    if (!getStream && !navigator.mediaDevices?.getUserMedia) {
      throw new MicrophoneError(
        window.isSecureContext ? 'mic-failed' : 'mic-insecure-context',
        window.isSecureContext ? 'getUserMedia is not available' : 'The microphone needs a secure context (https or localhost)',
      );
    }
    const { echoCancellation = true, noiseSuppression = true, autoGainControl = true } = this.#options;
    let stream: MediaStream;
    try {
      const constraints: MediaStreamConstraints = {
        audio: { echoCancellation, noiseSuppression, autoGainControl, channelCount: { ideal: 1 }, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) },
      };
      stream = getStream ? await getStream(constraints, this.#ctx) : await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      throw MicrophoneError.fromGetUserMedia(err, isOverconstrained(err) ? { audioInputs: await countAudioInputs() } : {});
    }
    if (this.#closed) {
      // close() came while the device was opening: nothing may stay live.
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    this.#release();
    this.#options = { ...this.#options, ...(deviceId ? { deviceId } : {}) };
    this.#stream = stream;
    const track = stream.getAudioTracks()[0];
    if (track) {
      track.enabled = !this.#muted;
      // Unplugging the device ends the track; the owner reports it, nothing throws.
      track.addEventListener('ended', () => {
        if (this.#stream === stream) this.#onEnded(track);
      });
    }
    this.#source = this.#ctx.createMediaStreamSource(stream);
    this.#source.connect(this.#sink);
  }

  /** Stops the track and disconnects, for good (an `open()` in progress is released too). Idempotent. */
  close(): void {
    this.#closed = true;
    this.#release();
  }

  #release(): void {
    this.#source?.disconnect();
    this.#source = null;
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#stream = null;
  }
}
