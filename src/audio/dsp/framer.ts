/**
 * Re-blocks a sample stream into fixed-size frames (e.g. 128-sample render quanta → 512-sample
 * VAD frames). Pure: no DOM / Web Audio.
 */
export class Framer {
  /** Samples per emitted frame. */
  readonly frameSize: number;
  readonly #alloc: () => Float32Array<ArrayBuffer>;
  /** The frame being filled; taken from `alloc` when the previous one was emitted. */
  private pending: Float32Array<ArrayBuffer> | null = null;
  private fill = 0;

  /**
   * @param frameSize Samples per frame (positive integer).
   * @param alloc Supplies each frame's array (at least `frameSize` long, only the first
   *   `frameSize` samples are used): e.g. from a pool of arrays the consumer handed back,
   *   so the audio thread allocates nothing. Default: a new array per frame.
   */
  constructor(frameSize: number, alloc?: () => Float32Array<ArrayBuffer>) {
    if (!Number.isInteger(frameSize) || frameSize < 1) {
      throw new RangeError(`Framer: frameSize must be a positive integer, got ${frameSize}`);
    }
    this.frameSize = frameSize;
    this.#alloc = alloc ?? (() => new Float32Array(frameSize));
  }

  /** Samples waiting for the next frame (0 ≤ buffered < frameSize). */
  get buffered(): number {
    return this.fill;
  }

  /**
   * Appends the first `length` samples of `samples` (default: all) and calls `onFrame`
   * synchronously, in order, for every completed frame.
   *
   * Each frame is an array from `alloc`, owned by the callee from then on (it may be
   * transferred or kept; it is typed as ArrayBuffer-backed so `frame.buffer` fits a
   * transfer list); `samples` itself is never retained. Do not call `push` from inside
   * `onFrame`. Allocates nothing itself.
   */
  push(samples: Float32Array, onFrame: (frame: Float32Array<ArrayBuffer>) => void, length = samples.length): void {
    const size = this.frameSize;
    let i = 0;
    while (i < length) {
      const frame = (this.pending ??= this.#alloc());
      // An element loop rather than set(subarray()): a subarray is an allocation.
      const take = Math.min(size - this.fill, length - i);
      for (let k = 0; k < take; k++) frame[this.fill + k] = samples[i + k]!;
      this.fill += take;
      i += take;
      if (this.fill < size) return;
      this.pending = null;
      this.fill = 0;
      onFrame(frame);
    }
  }

  /** Discards buffered samples. */
  reset(): void {
    this.fill = 0;
  }
}
