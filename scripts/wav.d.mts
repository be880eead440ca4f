/** A small seeded PRNG (mulberry32): returns numbers in [0, 1), the same on every run. */
export function mulberry32(seed: number): () => number;
/** A WAV file as mono floats (channels averaged); errors name the file. */
export function readWavMono(path: string): { sampleRate: number; samples: Float32Array };
/** Writes mono samples in [-1, 1] as a 16-bit PCM WAV file. */
export function writeWav16(path: string, samples: Float32Array, sampleRate: number): void;
