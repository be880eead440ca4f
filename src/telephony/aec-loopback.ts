import type { OutputRoute } from '../audio/engine';

/**
 * An output route (`audio: { outputRoute: aecLoopback() }`) through a local RTCPeerConnection
 * pair before the `<audio>` element. Chrome's echo canceller only removes audio played from a
 * peer connection, not Web Audio output (Chromium issue 687574), so with speakers this lets
 * `echoCancellation` see the agent's voice. Costs an Opus encode/decode (~20–40 ms).
 */
export function aecLoopback(): OutputRoute {
  return async (stream) => {
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    const close = () => (a.close(), b.close());
    try {
      a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
      b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
      const received = new Promise<MediaStream>((resolve) => {
        b.ontrack = (e) => resolve(e.streams[0] ?? new MediaStream([e.track]));
      });
      for (const track of stream.getAudioTracks()) a.addTrack(track, stream);
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      return { stream: await received, close };
    } catch (err) {
      close();
      throw err;
    }
  };
}
