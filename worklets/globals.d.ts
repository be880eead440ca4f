// The few AudioWorkletGlobalScope names the processors use. @types/audioworklet clashes
// with the DOM lib when both are in one program, so they are declared here instead.
declare const sampleRate: number;
declare const currentFrame: number;

interface WorkletPort {
  postMessage(message: unknown, transfer?: unknown[]): void;
  onmessage: ((event: { data: any }) => void) | null;
}

declare class AudioWorkletProcessor {
  readonly port: WorkletPort;
  constructor(options?: unknown);
}

declare function registerProcessor(
  name: string,
  ctor: new (options: { processorOptions?: any }) => AudioWorkletProcessor,
): void;

// Present in the worklet scope (structured-clone target of `port.postMessage`).
declare class MessagePort implements WorkletPort {
  postMessage(message: unknown, transfer?: unknown[]): void;
  onmessage: ((event: { data: any }) => void) | null;
  close(): void;
}
