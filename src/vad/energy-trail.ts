import { VAD_SAMPLE_RATE } from './options';

const BLOCK = 128; // 8 ms at 16 kHz
const BLOCK_SEC = BLOCK / VAD_SAMPLE_RATE;
const HISTORY = 64; // 512 ms: covers onset confirmation and Silero's trailing lag
/** Never count a block under this RMS as sound. */
const ABSOLUTE_FLOOR = 0.003;

/**
 * The RMS of the last 512 ms of audio in 8 ms blocks. Silero's probability is scored per
 * 32 ms frame and lags the audio by a frame or two; the energy locates, to 8 ms, where
 * sound began or stopped around the frames the model flagged.
 */
export class EnergyTrail {
  readonly #rms = new Float32Array(HISTORY);
  readonly #starts = new Float64Array(HISTORY);
  #next = 0;
  #count = 0;

  /** Adds a frame whose last sample ends at `end` (seconds). */
  push(frame: Float32Array, end: number): void {
    const blocks = Math.floor(frame.length / BLOCK);
    for (let b = 0; b < blocks; b++) {
      let sum = 0;
      for (let i = b * BLOCK; i < (b + 1) * BLOCK; i++) sum += frame[i]! * frame[i]!;
      this.#rms[this.#next] = Math.sqrt(sum / BLOCK);
      this.#starts[this.#next] = end - (blocks - b) * BLOCK_SEC;
      this.#next = (this.#next + 1) % HISTORY;
      this.#count = Math.min(HISTORY, this.#count + 1);
    }
  }

  /** Blocks newest first, as [start, rms]. */
  *#backward(): Generator<[number, number]> {
    for (let k = 1; k <= this.#count; k++) {
      const i = (this.#next - k + HISTORY) % HISTORY;
      yield [this.#starts[i]!, this.#rms[i]!];
    }
  }

  #floor(relativeDb: number): number {
    let peak = 0;
    for (let k = 0; k < this.#count; k++) peak = Math.max(peak, this.#rms[k]!);
    return Math.max(ABSOLUTE_FLOOR, peak * 10 ** (relativeDb / 20));
  }

  /** End of the latest block at or before `limit` louder than −30 dB of the recent peak. */
  lastLoudEnd(limit: number): number | null {
    const floor = this.#floor(-30);
    for (const [start, rms] of this.#backward()) {
      if (start + BLOCK_SEC > limit + 1e-9) continue;
      if (rms >= floor) return start + BLOCK_SEC;
    }
    return null;
  }

  /**
   * Start of the sound that runs into `at`: walking back from `at`, the earliest block
   * louder than −20 dB of the recent peak, across quiet gaps of at most `maxGapSec`
   * (stop consonants) and no further back than `maxBackSec`. Null if none is loud.
   */
  soundStart(at: number, maxBackSec: number, maxGapSec = 0.048): number | null {
    const floor = this.#floor(-20);
    let earliest: number | null = null;
    let gap = 0;
    for (const [start, rms] of this.#backward()) {
      if (start >= at + 0.032) continue;
      if (start < at - maxBackSec) break;
      if (rms >= floor) {
        earliest = start;
        gap = 0;
      } else if (earliest !== null && (gap += BLOCK_SEC) > maxGapSec + 1e-9) break;
    }
    return earliest;
  }
}
