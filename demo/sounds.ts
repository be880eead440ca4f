// Procedural sounds for the demo, so no audio file has to ship: a soft ambient pad for the
// background bus and a muted typing loop for the thinking bus.

/** A 4 s seamless pad: two detuned chords with a slow swell. */
export function ambientPad(sampleRate: number): { samples: Float32Array; sampleRate: number } {
  const n = sampleRate * 4;
  const samples = new Float32Array(n);
  const notes = [110, 164.81, 220, 277.18];
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    let v = 0;
    for (const f of notes) v += Math.sin(2 * Math.PI * f * t) + 0.5 * Math.sin(2 * Math.PI * (f * 1.003) * t);
    samples[i] = 0.025 * v * (0.7 + 0.3 * Math.sin((2 * Math.PI * t) / 4));
  }
  return { samples, sampleRate };
}

/** A 1.2 s loop of soft key clicks at irregular intervals. */
export function typingLoop(sampleRate: number): { samples: Float32Array; sampleRate: number } {
  const n = Math.round(sampleRate * 1.2);
  const samples = new Float32Array(n);
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const at of [0.02, 0.19, 0.33, 0.41, 0.62, 0.78, 0.86, 1.05]) {
    const start = Math.round(at * sampleRate);
    for (let k = 0; k < sampleRate * 0.03 && start + k < n; k++) {
      samples[start + k] = 0.35 * (rnd() * 2 - 1) * Math.exp(-k / (sampleRate * 0.004));
    }
  }
  return { samples, sampleRate };
}
