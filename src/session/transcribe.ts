import { withTimeouts } from '../providers/timeout';
import type { STT, STTRequest } from '../providers/types';

/**
 * Transcribes one utterance within `limitMs` per transcript chunk. Partial transcripts go to
 * `onDelta`; a failure or a timeout goes to `onError` and gives '' (the turn then ends
 * without an answer, and the agent goes back to idle). An abort gives '' quietly.
 * The request made is left in `on.request` (its `meta`, for the turn's report).
 * @returns the final transcript, trimmed.
 */
export async function transcribe(
  stt: STT,
  audio: Float32Array,
  signal: AbortSignal,
  limitMs: number,
  on: { delta(text: string): void; error(error: unknown): void; request?: STTRequest },
): Promise<string> {
  let text = '';
  try {
    const open = (s: AbortSignal) => stt.transcribe((on.request = { audio, sampleRate: 16000, signal: s }));
    for await (const chunk of withTimeouts(open, signal, { provider: stt.label, what: 'transcript', firstMs: limitMs, stallMs: limitMs })) {
      if (chunk.type === 'final') text = chunk.text;
      else on.delta(chunk.text);
    }
  } catch (error) {
    if (!signal.aborted) on.error(error);
    return '';
  }
  return signal.aborted ? '' : text.trim();
}
