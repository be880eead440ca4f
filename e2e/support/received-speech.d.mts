/** A span of audio time, s. */
export interface Span {
  startSec: number;
  endSec: number;
}

/** Where the speech is in the VAD's input (16 kHz, 16-bit integers), nearest `expected`; see received-speech.mjs. */
export function receivedSpeech(pcm16: ArrayLike<number>, expected: Span, maxShiftSec?: number): Span & { shiftMs: { start: number; end: number }; finalPauses: Span[] };

/** Error (ms) of a VAD's speech end against the received speech's end or a pause in its last 300 ms, whichever is nearer. */
export function endError(lastSpeechSec: number, heard: { endSec: number; finalPauses: Span[] }): { ms: number; from: string };
