// Mixer processor: applies commands from the main thread to MixerCore, renders one
// quantum, and posts MixerCore's events back. All logic is in src/audio/dsp/mixer-core.ts.
import { MixerCore } from '../src/audio/dsp/mixer-core';
import { MIXER_PROCESSOR, type MixerCommand, type MixerOptions } from '../src/audio/worklet-protocol';

class MixerProcessor extends AudioWorkletProcessor {
  readonly #core: MixerCore;
  #running = true;

  constructor(options: { processorOptions?: Partial<MixerOptions> }) {
    super();
    this.#core = new MixerCore(sampleRate, options.processorOptions ?? {});
    this.port.onmessage = (e: { data: MixerCommand | { type: 'dispose' } }) => {
      if (e.data.type === 'dispose') this.#running = false;
      else this.#core.handle(e.data);
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (!out) return this.#running;
    this.#core.render(out, currentFrame);
    // Further output channels, if the graph asked for them, carry the same mono mix.
    for (let c = 1; c < outputs[0]!.length; c++) outputs[0]![c]!.set(out);
    for (const event of this.#core.drainEvents()) this.port.postMessage(event);
    return this.#running;
  }
}

registerProcessor(MIXER_PROCESSOR, MixerProcessor);
