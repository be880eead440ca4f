/** A small seeded PRNG (mulberry32): returns numbers in [0, 1), the same on every run. */
export function mulberry32(seed: number): () => number;
