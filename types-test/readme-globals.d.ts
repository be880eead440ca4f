// Names the README's examples use without declaring them (they stand for the app's own page).
declare const button: HTMLButtonElement;
declare const micFrames: AsyncIterable<Float32Array>;
declare const caption: HTMLElement;
declare const greetingBytes: ArrayBuffer;
declare const cameraVideo: HTMLVideoElement;
