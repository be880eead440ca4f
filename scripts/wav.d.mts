/** A small seeded PRNG (mulberry32): returns numbers in [0, 1), the same on every run. */
export function mulberry32(seed: number): () => number;
/** A WAV file as mono floats (channels averaged); errors name the file. */
export function readWavMono(path: string): { sampleRate: number; samples: Float32Array };
