import type { AudioEngineOptions } from '../audio/engine';
import { ConfigError } from '../errors';

export interface CallAudioOptions {
  /**
   * The caller's audio instead of the mic: a remote track or stream (an `RTCPeerConnection`'s
   * `track` event), or any other MediaStream. It goes through the same capture worklet, VAD,
   * barge-in and tone detectors as a mic. Earshot listens to a clone: `close()` stops the
   * clone, never the app's track.
   */
  input: MediaStream | MediaStreamTrack;
  /**
   * Gets the agent's output (the mixer's track: voice, background and thinking buses) once
   * the session starts, e.g. `(track) => sender.replaceTrack(track)`. Awaited by `start()`.
   */
  output?: (track: MediaStreamTrack) => unknown;
  /** Also play the output on this page's speakers (agent assist, a softphone). Default false. */
  monitor?: boolean;
}

/**
 * Audio options that put an `AgentSession` on a call instead of the mic and speakers:
 * `new Pipeline({ stt, llm, tts, audio: callAudio({ input: remoteTrack, output: (t) => sender.replaceTrack(t) }) })`.
 * Phone audio bridged into WebRTC is narrowband (8 kHz, 300–3400 Hz): the capture resamples
 * whatever rate arrives, and Silero, barge-in and the DTMF detector work on that band.
 * The mic's processing flags do not apply to a remote track (browsers only process capture
 * devices), so echo, noise and level are the far end's business, as on a phone.
 */
export function callAudio(options: CallAudioOptions): Pick<AudioEngineOptions, 'microphone' | 'outputRoute'> {
  const { input, output, monitor = false } = options;
  const track = input instanceof MediaStreamTrack ? input : input.getAudioTracks()[0];
  if (!track) throw new ConfigError('callAudio: the input has no audio track');
  return {
    microphone: {
      getStream: async (_constraints, context) => {
        // A call that ended cannot be reopened: the session reports it (microphone_ended, then
        // an `error` with source 'audio') and keeps speaking and answering text.
        if (track.readyState === 'ended') throw new DOMException('The call\'s input track has ended', 'NotReadableError');
        const stream = new MediaStream([track.clone()]);
        keepRemoteAudioFlowing(stream, context);
        return stream;
      },
    },
    ...(output || !monitor
      ? {
          outputRoute: async (stream: MediaStream) => {
            const out = stream.getAudioTracks()[0]!;
            await output?.(out);
            if (monitor) return { stream, close: () => undefined };
            // The page's element still plays something, silence: start() waits for its play(),
            // which never resolves on a stream without tracks.
            const silent = out.clone();
            silent.enabled = false;
            return { stream: new MediaStream([silent]), close: () => silent.stop() };
          },
        }
      : {}),
  };
}

/**
 * Chromium renders a remote WebRTC track into Web Audio only while a media element plays it
 * (Chromium issue 121673: a MediaStreamAudioSourceNode on a remote stream gets silence
 * otherwise). A muted element is enough; it lives as long as the context runs.
 */
function keepRemoteAudioFlowing(stream: MediaStream, context: AudioContext): void {
  if (typeof Audio === 'undefined') return;
  const el = new Audio();
  el.muted = true;
  el.srcObject = stream;
  void el.play().catch(() => undefined);
  const stop = () => {
    if (context.state !== 'closed') return;
    el.srcObject = null;
    context.removeEventListener('statechange', stop);
  };
  context.addEventListener('statechange', stop);
}
