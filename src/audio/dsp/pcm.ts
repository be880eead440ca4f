/**
 * Channel downmixing and joining. Pure DSP: no DOM / Web Audio, safe in AudioWorklets,
 * Workers, Node and the main thread. 16-bit conversion is in pcm16.ts.
 */

/**
 * Averages channels into one: `out[i] = Σ ch[i] / channels.length`.
 *
 * Averaging (rather than summing) cannot clip; a mono input is copied unchanged.
 * @param channels One or more equally long channel arrays (none → empty result).
 * @param out Optional destination with length ≥ the channel length (avoids allocation in
 *   render loops); the returned array is `out` itself, or a subarray of it when longer.
 * @throws RangeError if channel lengths differ or `out` is too short.
 */
export function downmixToMono(channels: readonly Float32Array[], out?: Float32Array): Float32Array {
  const first = channels[0];
  const n = first ? first.length : 0;
  for (const ch of channels) {
    if (ch.length !== n) throw new RangeError(`downmixToMono: channel lengths differ (${ch.length} vs ${n})`);
  }
  if (out && out.length < n) throw new RangeError(`downmixToMono: out has ${out.length} samples, need ${n}`);
  const dst = out ? (out.length === n ? out : out.subarray(0, n)) : new Float32Array(n);
  if (!first) return dst;
  if (channels.length === 1) {
    dst.set(first);
    return dst;
  }
  if (channels.length === 2) {
    // Stereo is the common case; one pass without the inner loop.
    const r = channels[1]!;
    for (let i = 0; i < n; i++) dst[i] = (first[i]! + r[i]!) * 0.5;
    return dst;
  }
  const scale = 1 / channels.length;
  dst.set(first);
  for (let c = 1; c < channels.length; c++) {
    const ch = channels[c]!;
    for (let i = 0; i < n; i++) dst[i] = dst[i]! + ch[i]!;
  }
  for (let i = 0; i < n; i++) dst[i] = dst[i]! * scale;
  return dst;
}

/** Concatenates sample arrays into a new one. */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
