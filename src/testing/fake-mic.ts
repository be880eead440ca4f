import { downmixToMono } from '../audio/dsp/pcm';
import { decodeWav } from '../audio/dsp/wav';

/** Where a fake mic's audio comes from: a WAV by URL, WAV bytes, or samples. */
export type FakeMicSource = string | URL | ArrayBuffer | Uint8Array | { samples: Float32Array; sampleRate: number };

/** Options of {@link createFakeMicrophone}. */
export interface FakeMicrophoneOptions {
  /** Repeat the audio. Default false: play it once, then digital silence (the track stays live, as a real mic's would). */
  loop?: boolean;
  /** Seconds of silence before the audio, counted from each open. Default 0. */
  leadInSec?: number;
  /** Linear gain applied to the samples. Default 1. */
  gain?: number;
  /**
   * Reject every open with a `DOMException` of this name instead (`'NotAllowedError'`,
   * `'NotFoundError'`, `'NotReadableError'`, …), to test error paths. Default: none.
   */
  failWith?: string;
}

/**
 * A microphone that plays a WAV, for tests. It works the same in Chromium, Firefox and
 * WebKit, where the browsers' own fake devices differ (Chromium plays a file given on
 * its command line, Firefox and WebKit only a tone): the samples are played by an
 * `AudioBufferSourceNode` into a `MediaStreamAudioDestinationNode`, whose stream is what
 * `getUserMedia` would have returned. Each open starts the audio from the beginning.
 */
export interface FakeMicrophone {
  /**
   * For `new AudioEngine({ microphone: { getStream: mic.getStream } })` (or a Pipeline's
   * `audio.microphone`): plays in the engine's own AudioContext, so the mic and the
   * capture share one clock. Bound: pass it as is.
   */
  readonly getStream: (constraints: MediaStreamConstraints, context: AudioContext) => Promise<MediaStream>;
  /** Like `navigator.mediaDevices.getUserMedia` for audio: plays in an AudioContext of its own. */
  getUserMedia(constraints?: MediaStreamConstraints): Promise<MediaStream>;
  /**
   * Replaces `navigator.mediaDevices.getUserMedia` in this page with {@link getUserMedia}
   * (requests without audio go to the real one). Returns the function that restores it;
   * {@link dispose} restores it too.
   */
  install(): () => void;
  /** Mono samples played, at {@link sampleRate} Hz. */
  readonly samples: Float32Array;
  /** Hz of {@link samples}. */
  readonly sampleRate: number;
  /** Streams opened so far (failed opens included). */
  readonly opens: number;
  /** The constraints of each open, in order. */
  readonly constraints: readonly MediaStreamConstraints[];
  /** Ends the live tracks as unplugging the device would: each fires `ended`. */
  unplug(): void;
  /** Stops every stream it opened, closes its own contexts and restores `getUserMedia`. Idempotent. */
  dispose(): Promise<void>;
}

interface Player {
  track: MediaStreamTrack;
  stop: () => void;
}

/**
 * Loads `source` (a WAV: URL, bytes, or samples) and returns a {@link FakeMicrophone}
 * playing it. Multi-channel audio is averaged to mono. Rejects if the WAV cannot be
 * fetched or decoded (`WavFormatError`).
 */
export async function createFakeMicrophone(source: FakeMicSource, options: FakeMicrophoneOptions = {}): Promise<FakeMicrophone> {
  const audio = await loadSource(source);
  return new FakeMic(audio.samples, audio.sampleRate, options);
}

class FakeMic implements FakeMicrophone {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly constraints: MediaStreamConstraints[] = [];
  readonly #options: FakeMicrophoneOptions;
  readonly #players = new Set<Player>();
  #restore: (() => void) | null = null;

  constructor(samples: Float32Array, sampleRate: number, options: FakeMicrophoneOptions) {
    this.samples = samples;
    this.sampleRate = sampleRate;
    this.#options = options;
  }

  get opens(): number {
    return this.constraints.length;
  }

  readonly getStream = async (constraints: MediaStreamConstraints, context: AudioContext): Promise<MediaStream> => {
    this.constraints.push(constraints);
    this.#maybeFail();
    return this.#play(context, false);
  };

  async getUserMedia(constraints: MediaStreamConstraints = { audio: true }): Promise<MediaStream> {
    this.constraints.push(constraints);
    this.#maybeFail();
    const Ctor = globalThis.AudioContext ?? (globalThis as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    const ctx = new Ctor();
    // A context created outside a gesture may start suspended; the page's autoplay
    // policy applies to it as to the engine's own.
    if (ctx.state !== 'running') await Promise.race([ctx.resume().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    return this.#play(ctx, true);
  }

  install(): () => void {
    if (this.#restore) return this.#restore;
    const devices = navigator.mediaDevices;
    if (!devices) throw new Error('navigator.mediaDevices is missing (not a secure context?)');
    const hadOwn = Object.prototype.hasOwnProperty.call(devices, 'getUserMedia');
    const original = devices.getUserMedia;
    Object.defineProperty(devices, 'getUserMedia', {
      configurable: true,
      writable: true,
      value: (c?: MediaStreamConstraints) => (c?.audio ? this.getUserMedia(c) : original.call(devices, c)),
    });
    const restore = () => {
      if (this.#restore !== restore) return;
      this.#restore = null;
      if (hadOwn) Object.defineProperty(devices, 'getUserMedia', { configurable: true, writable: true, value: original });
      else delete (devices as unknown as Record<string, unknown>).getUserMedia;
    };
    this.#restore = restore;
    return restore;
  }

  unplug(): void {
    for (const p of [...this.#players]) {
      p.stop();
      // track.stop() fires no `ended` (the page ended it); a lost device does.
      p.track.dispatchEvent(new Event('ended'));
    }
  }

  async dispose(): Promise<void> {
    this.#restore?.();
    for (const p of [...this.#players]) p.stop();
  }

  #maybeFail(): void {
    const name = this.#options.failWith;
    if (name) throw new DOMException(`Fake microphone: ${name}`, name);
  }

  #play(ctx: AudioContext, ownsContext: boolean): MediaStream {
    const buffer = ctx.createBuffer(1, Math.max(1, this.samples.length), this.sampleRate);
    buffer.getChannelData(0).set(this.samples);
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.loop = this.#options.loop ?? false;
    const gain = ctx.createGain();
    gain.gain.value = this.#options.gain ?? 1;
    const dest = ctx.createMediaStreamDestination();
    dest.channelCount = 1;
    src.connect(gain).connect(dest);
    src.start(ctx.currentTime + Math.max(0, this.#options.leadInSec ?? 0));
    const track = dest.stream.getAudioTracks()[0]!;
    const nativeStop = track.stop.bind(track);
    let stopped = false;
    const player: Player = {
      track,
      stop: () => {
        if (stopped) return;
        stopped = true;
        this.#players.delete(player);
        nativeStop();
        try {
          src.stop();
        } catch {
          // never started (context closed first)
        }
        src.disconnect();
        gain.disconnect();
        if (ownsContext) void ctx.close().catch(() => undefined);
      },
    };
    // The consumer stops the track when it closes the mic: stop the player with it.
    track.stop = player.stop;
    this.#players.add(player);
    return dest.stream;
  }
}

async function loadSource(source: FakeMicSource): Promise<{ samples: Float32Array; sampleRate: number }> {
  if (typeof source === 'object' && 'samples' in source) return source;
  let bytes: ArrayBuffer | Uint8Array;
  if (typeof source === 'string' || source instanceof URL) {
    const url = new URL(source, globalThis.location?.href);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`Fake microphone: HTTP ${res.status} for ${url.href}`);
    bytes = await res.arrayBuffer();
  } else bytes = source;
  const { sampleRate, channels } = decodeWav(bytes);
  return { samples: downmixToMono(channels), sampleRate };
}

