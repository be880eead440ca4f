// A tap on a node of the audio graph (engine.tapOutput / tapInput): loaded with the core's
// extras, since only recording, visualisation and tests use it. Like every module of the
// extras it imports no core value (the script-tag build loads extras.js standalone), so the
// capture port's two messages it needs are read here rather than through listenToCapture.
import type { TappedBlock } from './capture';
import type { CaptureEvent, CaptureOptions } from './worklet-protocol';

/** The capture worklet's processor name: worklet-protocol's CAPTURE_PROCESSOR (a test keeps them equal). */
export const TAP_PROCESSOR = 'earshot-capture';

/**
 * Records `source` block by block at the context rate, through the capture processor; `taps`
 * holds it while it runs (the engine stops them on close). Resolves once it runs, with what
 * stops it.
 */
export async function tap(source: AudioNode, onBlock: (block: TappedBlock) => void, blockSize: number, taps: Set<AudioWorkletNode>): Promise<() => void> {
  const node = new AudioWorkletNode(source.context, TAP_PROCESSOR, {
    numberOfInputs: 1,
    numberOfOutputs: 0,
    processorOptions: { targetRate: source.context.sampleRate, frameSize: blockSize, levelIntervalMs: 0 } satisfies CaptureOptions,
  });
  let origin = -1;
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  node.port.onmessage = ({ data: m }: MessageEvent<CaptureEvent>) => {
    if (m.type === 'started') {
      origin = m.contextFrame;
      started();
    } else if (m.type === 'frame') onBlock({ frame: origin + m.index * blockSize, samples: m.samples });
  };
  source.connect(node);
  taps.add(node);
  await running;
  return () => {
    if (!taps.delete(node)) return;
    node.port.postMessage({ type: 'stop' });
    source.disconnect(node);
  };
}
