/**
 * Re-blocks a sample stream into fixed-size frames (e.g. 128-sample render quanta → 512-sample
 * VAD frames). Pure: no DOM / Web Audio.
 */
export class Framer {
  /** Samples per emitted frame. */
  readonly frameSize: number;
  /** Partially filled next frame; allocated lazily so each emitted frame is a fresh array. */
  private pending: Float32Array<ArrayBuffer> | null = null;
  private fill = 0;

  /** @param frameSize Samples per frame (positive integer). */
  constructor(frameSize: number) {
    if (!Number.isInteger(frameSize) || frameSize < 1) {
      throw new RangeError(`Framer: frameSize must be a positive integer, got ${frameSize}`);
    }
    this.frameSize = frameSize;
  }

  /** Samples waiting for the next frame (0 ≤ buffered < frameSize). */
  get buffered(): number {
    return this.fill;
  }

  /**
   * Appends `samples` and calls `onFrame` synchronously, in order, for every completed frame.
   *
   * Each frame is a **new** `Float32Array` owned by the callee (it may be transferred or kept;
   * it is typed as ArrayBuffer-backed so `frame.buffer` fits a transfer list); `samples` itself is
   * never retained. Do not call `push` from inside `onFrame`.
   */
  push(samples: Float32Array, onFrame: (frame: Float32Array<ArrayBuffer>) => void): void {
    const size = this.frameSize;
    let i = 0;
    if (this.fill > 0) {
      // Top up the partial frame first so sample order is preserved.
      const pending = this.pending!;
      const take = Math.min(size - this.fill, samples.length);
      pending.set(samples.subarray(0, take), this.fill);
      this.fill += take;
      i = take;
      if (this.fill < size) return;
      this.pending = null;
      this.fill = 0;
      onFrame(pending);
    }
    // Whole frames straight from the input: one copy each (slice), no staging buffer.
    for (; i + size <= samples.length; i += size) onFrame(samples.slice(i, i + size));
    const rest = samples.length - i;
    if (rest > 0) {
      this.pending ??= new Float32Array(size);
      this.pending.set(samples.subarray(i), 0);
      this.fill = rest;
    }
  }

  /** Discards buffered samples. */
  reset(): void {
    this.fill = 0;
  }
}
