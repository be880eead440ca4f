import { int16ToFloat32 } from '../../src/audio/dsp/pcm16';

/**
 * The agent's long answer in the barge-in specs: plain sentences (no commas), so the sentence
 * chunker sends each to the TTS as one segment.
 */
export const STORY_SENTENCES = [
  'Once upon a time there was a small robot who lived in a lighthouse.',
  'Every night it polished the great lamp until it shone like the sun.',
  'Ships far away saw the light and found their way home safely.',
  'One winter the lamp went dark and the robot climbed the tower to fix it.',
  'It worked through the storm until the beam swept the sea again.',
  'In the morning the sailors waved and the robot waved back.',
];

/** The exact PCM the local server speaks for `text` (what OpenAITTS receives), at 24 kHz. */
export async function ttsSamples(baseURL: string, text: string): Promise<Float32Array> {
  const res = await fetch(new URL('/local-ai/v1/audio/speech', baseURL), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini-tts', input: text, voice: 'alloy', response_format: 'pcm' }),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return int16ToFloat32(new Int16Array(bytes.buffer, 0, bytes.length >> 1));
}

/** Index of the first sample louder than `floor`. */
export function firstSound(x: ArrayLike<number>, floor = 1e-3): number {
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]!) > floor) return i;
  return -1;
}

/** Index after the last sample louder than `floor`. */
export function endOfSound(x: ArrayLike<number>, floor = 1e-3): number {
  for (let i = x.length - 1; i >= 0; i--) if (Math.abs(x[i]!) > floor) return i + 1;
  return 0;
}
