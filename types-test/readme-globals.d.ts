// Names the README's examples use without declaring them (they stand for the app's own page).
declare const button: HTMLButtonElement;
declare const micFrames: AsyncIterable<Float32Array>;
declare const caption: HTMLElement;
declare const greetingBytes: ArrayBuffer;
declare const cameraVideo: HTMLVideoElement;
/** The app's SIP/WebRTC client in the transfers example. */
interface SoftphoneLeg {
  remoteStream: MediaStream;
  sender: RTCRtpSender;
  answered: Promise<void>;
  ended: Promise<void>;
  hangup(): void;
}
declare const softphone: { refer(leg: SoftphoneLeg, target: string): Promise<void>; call(target: string): Promise<SoftphoneLeg>; bridge(leg: SoftphoneLeg): Promise<void> };
declare const callerLeg: SoftphoneLeg;
