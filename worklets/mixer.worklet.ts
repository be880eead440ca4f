// Mixer processor: applies commands from the main thread to MixerCore, renders one
// quantum, and posts MixerCore's events back. All logic is in src/audio/dsp/mixer-core.ts.
// Nothing here allocates per render quantum (the test in mixer-core.alloc.test.ts).
import { MixerCore } from '../src/audio/dsp/mixer-core';
import { MIXER_PROCESSOR, type MixerCommand, type MixerEvent, type MixerOptions } from '../src/audio/worklet-protocol';

class MixerProcessor extends AudioWorkletProcessor {
  readonly #core: MixerCore;
  #running = true;
  /** Created once: a closure per quantum would be an allocation per quantum. */
  readonly #post = (event: MixerEvent) => this.port.postMessage(event);

  constructor(options: { processorOptions?: Partial<MixerOptions> }) {
    super();
    this.#core = new MixerCore(sampleRate, options.processorOptions ?? {});
    const onCommand = (e: { data: MixerCommand | { type: 'dispose' } }) => {
      if (e.data.type === 'dispose') this.#running = false;
      // A worker's port (the TTS audio worker): its pushes arrive here without the main thread.
      else if (e.data.type === 'connect') e.data.port.onmessage = onCommand;
      else this.#core.handle(e.data);
    };
    this.port.onmessage = onCommand;
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const channels = outputs[0];
    const out = channels?.[0];
    if (!channels || !out) return this.#running;
    this.#core.render(out, currentFrame);
    // Further output channels, if the graph asked for them, carry the same mono mix.
    for (let c = 1; c < channels.length; c++) channels[c]!.set(out);
    this.#core.flushEvents(this.#post);
    return this.#running;
  }
}

registerProcessor(MIXER_PROCESSOR, MixerProcessor);
