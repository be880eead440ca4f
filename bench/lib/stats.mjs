// Small statistics helpers: every figure is reported as median and p95 over its samples.

/** Sorted copy of the finite values. */
export function sorted(xs) {
  return xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
}

/** Quantile by linear interpolation between closest ranks (q in [0, 1]). */
export function quantile(xs, q) {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (xs) => quantile(xs, 0.5);
export const p95 = (xs) => quantile(xs, 0.95);

/** { n, median, p95, min, max } of the finite values, rounded to `digits`. */
export function summary(xs, digits = 1) {
  const s = sorted(xs);
  const r = (x) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
  return { n: s.length, median: r(quantile(s, 0.5)), p95: r(quantile(s, 0.95)), min: r(s[0]), max: r(s[s.length - 1]) };
}

/** Least-squares line y = a + b x. */
export function linearFit(xs, ys) {
  const n = xs.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]; sy += ys[i]; sxx += xs[i] * xs[i]; sxy += xs[i] * ys[i];
  }
  const b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return { a: (sy - b * sx) / n, b };
}
