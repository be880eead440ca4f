/**
 * Plugs a WebRTC realtime call into Earshot's audio graph: the mic track sent is the graph's
 * input (a MediaStreamDestination of the node the mic enters), and the model's voice track is
 * tapped at 24 kHz by a capture worklet, so it plays on the mixer's voice bus like a socket's
 * audio (levels, ducking, background and thinking audio, recording and `tapOutput` keep
 * working) rather than on a media element of its own.
 */

import { listenToCapture } from '../../audio/capture';
import { CAPTURE_PROCESSOR, type CaptureOptions } from '../../audio/worklet-protocol';
import { ConfigError } from '../../errors';
import { REALTIME_RATE } from './realtime-socket';

/** What a WebRTC call needs of the session's audio: Earshot's AudioEngine in a page. */
interface Graph {
  readonly context: AudioContext;
  readonly inputNode: AudioNode;
}

/** 20 ms blocks of the voice track. */
const BLOCK = REALTIME_RATE / 50;

export class RtcAudio {
  /** The graph's input as a track, for the call. */
  readonly micTrack: MediaStreamTrack;
  readonly #graph: Graph;
  readonly #dest: MediaStreamAudioDestinationNode;
  #stop: (() => void) | null = null;

  /** Throws a ConfigError when the session's audio is not a browser graph (e.g. in Node). */
  constructor(audio: unknown) {
    const g = audio as Partial<Graph>;
    if (typeof AudioContext === 'undefined' || !(g.context instanceof AudioContext) || !g.inputNode) {
      throw new ConfigError("OpenAIRealtime: transport 'webrtc' needs Earshot's audio graph in a browser; use 'websocket' here");
    }
    this.#graph = g as Graph;
    this.#dest = g.context.createMediaStreamDestination();
    g.inputNode.connect(this.#dest);
    this.micTrack = this.#dest.stream.getAudioTracks()[0]!;
  }

  /** Taps the model's voice track: `feed` gets its mono 24 kHz blocks as the graph renders them. */
  play(track: MediaStreamTrack, feed: (samples: Float32Array) => void): void {
    if (this.#stop) return;
    const ctx = this.#graph.context;
    const stream = new MediaStream([track]);
    // Chromium issue 121673: a remote WebRTC track reaches Web Audio only while a media
    // element plays it; a muted one is enough (the voice is heard through the mixer).
    const el = new Audio();
    el.muted = true;
    el.srcObject = stream;
    void el.play().catch(() => undefined);
    const source = ctx.createMediaStreamSource(stream);
    const tap = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      processorOptions: { targetRate: REALTIME_RATE, frameSize: BLOCK, levelIntervalMs: 0 } satisfies CaptureOptions,
    });
    listenToCapture(tap, BLOCK, { onFrame: (b) => feed(b.samples) });
    source.connect(tap);
    this.#stop = () => {
      tap.port.postMessage({ type: 'stop' });
      tap.port.onmessage = null;
      source.disconnect();
      el.srcObject = null;
    };
  }

  /** Releases the taps and the mic track (the mic itself belongs to the session). */
  close(): void {
    this.#stop?.();
    this.#stop = () => undefined;
    try {
      this.#graph.inputNode.disconnect(this.#dest);
    } catch {
      /* the graph is gone already */
    }
    this.micTrack.stop();
  }
}
