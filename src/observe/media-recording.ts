// The `webm` recording: the mic and the mixer into a two-channel MediaStream, encoded by the
// browser's MediaRecorder as it plays (Opus), so a long session costs little memory. Its
// timing is the encoder's: the first chunk starts within a few ms of `start`.
export interface MediaRecording {
  stop(): Promise<{ blob: Blob; startFrame: number; endFrame: number }>;
}

/** What the engine gives a media recording (AudioEngine has all of it; a stand-in may not). */
interface GraphAudio {
  readonly context: unknown;
  readonly inputNode?: AudioNode;
  readonly mixer: { readonly node: AudioNode };
}

const STOP_MS = 2000;

/** Null when the browser or the audio cannot (no MediaRecorder, no Web Audio graph). */
export function startMediaRecording(audio: GraphAudio): MediaRecording | null {
  const ctx = audio.context as AudioContext;
  if (typeof MediaRecorder === 'undefined' || typeof ctx.createChannelMerger !== 'function' || !audio.inputNode) {
    return null;
  }
  const merger = ctx.createChannelMerger(2);
  const dest = ctx.createMediaStreamDestination();
  audio.inputNode.connect(merger, 0, 0);
  audio.mixer.node.connect(merger, 0, 1);
  merger.connect(dest);
  const type = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'].find((t) => MediaRecorder.isTypeSupported(t));
  const rec = new MediaRecorder(dest.stream, type ? { mimeType: type } : {});
  const chunks: Blob[] = [];
  rec.ondataavailable = (e) => void (e.data.size && chunks.push(e.data));
  const frame = () => Math.round(ctx.currentTime * ctx.sampleRate);
  const startFrame = frame();
  rec.start(1000);
  return {
    async stop() {
      const endFrame = frame();
      const stopped = new Promise<void>((resolve) => {
        rec.onstop = () => resolve();
        setTimeout(resolve, STOP_MS); // a context closed under it may never fire `stop`
      });
      if (rec.state !== 'inactive') rec.stop();
      await stopped;
      try {
        audio.inputNode?.disconnect(merger);
        audio.mixer.node.disconnect(merger);
      } catch {
        // The session closed first: the graph is gone already.
      }
      for (const t of dest.stream.getTracks()) t.stop();
      return { blob: new Blob(chunks, { type: rec.mimeType || type || 'audio/webm' }), startFrame, endFrame };
    },
  };
}
