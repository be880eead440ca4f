// Where the speech is in the audio a VAD received (earshot/testing's recordVadInput, sent
// from the page as 16-bit integers at 16 kHz), by the same energy bounds that placed it in
// the fixture (scripts/wav-bounds.mjs). VAD timing is checked against this, not the file: a
// fake mic path under load delays, pads or drops audio before the VAD sees it (CI saw WebKit's
// onset +240 ms against the file, and Chromium's end +122 ms).
import { speechBounds } from '../../scripts/wav-bounds.mjs';

const RATE = 16000;
/** How far back from the speech's end a pause counts as the final consonant's (s). */
const FINAL_SEC = 0.3;

/**
 * The speech region of `pcm16` (the VAD's input, 16 kHz, sample 0 at audio time 0) nearest
 * `expected` (the fixture's region, s), how far the mic path moved its start and end (ms),
 * and the pauses of digital silence (≥ 3 ms) in its last 300 ms. Throws if no region lies
 * within `maxShiftSec` of the expected start.
 * @param {ArrayLike<number>} pcm16
 * @param {{startSec: number, endSec: number}} expected
 */
export function receivedSpeech(pcm16, expected, maxShiftSec = 0.5) {
  const samples = Float32Array.from(pcm16, (v) => v / 32767); // the pages scale by 32767
  const regions = speechBounds(samples, RATE);
  const near = regions.find((r) => Math.abs(r.startSec - expected.startSec) <= maxShiftSec);
  if (!near) {
    throw new Error(`the VAD's input has no speech within ${maxShiftSec} s of ${expected.startSec} s: ${JSON.stringify(regions)} in ${(samples.length / RATE).toFixed(2)} s`);
  }
  const shiftMs = { start: (near.startSec - expected.startSec) * 1000, end: (near.endSec - expected.endSec) * 1000 };
  const finalPauses = zeroRuns(samples).filter((r) => r.startSec >= near.endSec - FINAL_SEC && r.endSec <= near.endSec);
  return { ...near, shiftMs, finalPauses };
}

/**
 * The error of a VAD's speech end (`lastSpeechSec`: where it judged the speech stopped, s)
 * against the received speech: against its end, or against the start of a pause in its last
 * 300 ms when that is nearer. Silero scores 32 ms frames, and whether a quiet final consonant
 * after a stop's closure ("lights": the "ts") counts as speech depends on where the frames fall:
 * offline, utt-en-gb delayed by 8 ms ends at the closure, 212 ms before the speech's end
 * (of delays 0–30 ms in 2 ms steps, all others end within 10 ms of the speech's end). WebKit's mic path shifts the
 * audio in 10 ms steps, so it lands there now and then. Returns ms, and what it was measured from.
 * @param {number} lastSpeechSec
 * @param {{endSec: number, finalPauses: {startSec: number}[]}} heard
 */
export function endError(lastSpeechSec, heard) {
  const ends = [heard.endSec, ...heard.finalPauses.map((p) => p.startSec)];
  const errs = ends.map((e) => ({ ms: (lastSpeechSec - e) * 1000, from: e === heard.endSec ? 'speech end' : `pause at ${e.toFixed(3)} s` }));
  return errs.reduce((a, b) => (Math.abs(b.ms) < Math.abs(a.ms) ? b : a));
}

/** Runs of digital silence of at least `minSec`, in seconds. */
function zeroRuns(samples, minSec = 0.003) {
  const min = Math.round(minSec * RATE);
  const runs = [];
  let from = -1;
  for (let i = 0; i <= samples.length; i++) {
    const zero = i < samples.length && samples[i] === 0;
    if (zero && from < 0) from = i;
    else if (!zero && from >= 0) {
      if (i - from >= min) runs.push({ startSec: from / RATE, endSec: i / RATE });
      from = -1;
    }
  }
  return runs;
}
