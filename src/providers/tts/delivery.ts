/**
 * TTS audio delivered to a mixer stream by whoever can (issue 9): a provider's own
 * `synthesizeTo` (from the TTS audio worker, which a busy main thread cannot starve), else
 * its `synthesize` pushed here. Wrappers (FallbackTTS, TTSAudioCache) settle which request
 * delivers only as it runs, so `end()` waits for that. No worker code here: the wrappers'
 * entries stay small, and a member brings the worker if it has one.
 */
import type { MixerStream } from '../../audio/mixer';
import type { TTS, TTSRequest } from '../types';
import type { PipedAudio } from './tts-pipe';

type Delivery = AsyncIterable<Float32Array> & { end?(): void };

/** Ends `stream` after `delivery`'s audio (its own way, which keeps the end behind audio sent from a worker). */
function endAfter(delivery: Delivery | null, stream: MixerStream): void {
  if (delivery?.end) delivery.end();
  else stream.end();
}

/** `tts`'s audio for `request`, delivered to `stream` by the provider where it can, else pushed here. */
export function deliver(tts: TTS, request: TTSRequest, stream: MixerStream): Delivery {
  return tts.synthesizeTo ? tts.synthesizeTo(request, stream) : pushed(tts.synthesize(request), stream);
}

/** The chunks of `source`, pushed to `stream` on this thread as they come; `end()`: the stream ends after them. */
export function pushed(source: AsyncIterable<Float32Array>, stream: MixerStream): PipedAudio {
  let ending = false;
  let finished = false;
  async function* run(): AsyncGenerator<Float32Array, void, undefined> {
    try {
      for await (const samples of source) {
        stream.push(samples);
        yield samples;
      }
    } finally {
      finished = true;
      if (ending) stream.end();
    }
  }
  const it = run();
  return {
    [Symbol.asyncIterator]: () => it,
    end() {
      ending = true;
      if (finished) stream.end();
    },
  };
}

/**
 * A delivery made of the deliveries `run` opens (through `opened`, each with its request's
 * signal) one after another, of which one serves: the first to yield a chunk or to end
 * cleanly, unaborted (a provider ends quietly when aborted). `end()` goes to that one only:
 * a member given up on (failed, too slow) must not end the stream its successor delivers
 * to. When none served (all failed, an abort), the stream ends after the last one.
 */
export function relay(stream: MixerStream, run: (opened: (delivery: Delivery, signal: AbortSignal) => AsyncIterable<Float32Array>) => AsyncIterable<Float32Array>): PipedAudio {
  let ending = false;
  let finished = false;
  let serving: Delivery | null = null;
  let last: Delivery | null = null;
  const serve = (delivery: Delivery) => {
    if (serving) return;
    serving = delivery;
    if (ending) endAfter(delivery, stream);
  };
  async function* opened(delivery: Delivery, signal: AbortSignal): AsyncGenerator<Float32Array, void, undefined> {
    last = delivery;
    for await (const samples of delivery) {
      serve(delivery);
      yield samples;
    }
    if (!signal.aborted) serve(delivery);
  }
  async function* tracked(): AsyncGenerator<Float32Array, void, undefined> {
    try {
      yield* run(opened);
    } finally {
      finished = true;
      if (ending && !serving) endAfter(last, stream);
    }
  }
  const it = tracked();
  return {
    [Symbol.asyncIterator]: () => it,
    end() {
      if (ending) return;
      ending = true;
      if (serving) endAfter(serving, stream);
      else if (finished) endAfter(last, stream);
    },
  };
}
