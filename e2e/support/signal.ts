// Small numeric helpers for asserting on rendered audio in Node.

/** Least squares fit of y ≈ Σ c_k·x_k over the given index range; returns the coefficients. */
export function fitLinear(columns: ((i: number) => number)[], y: (i: number) => number, from: number, to: number): number[] {
  const k = columns.length;
  const ata = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const aty = new Array<number>(k).fill(0);
  for (let i = from; i < to; i++) {
    const row = columns.map((c) => c(i));
    const yi = y(i);
    for (let a = 0; a < k; a++) {
      aty[a]! += row[a]! * yi;
      for (let b = 0; b < k; b++) ata[a]![b]! += row[a]! * row[b]!;
    }
  }
  return solve(ata, aty);
}

function solve(m: number[][], v: number[]): number[] {
  const n = v.length;
  const a = m.map((row, i) => [...row, v[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= n; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

/** Largest |a[i] − a[i−1]| in a range: a click shows up as a jump. */
export function maxStep(a: ArrayLike<number>, from = 1, to = a.length): number {
  let m = 0;
  for (let i = Math.max(1, from); i < to; i++) m = Math.max(m, Math.abs(a[i]! - a[i - 1]!));
  return m;
}
