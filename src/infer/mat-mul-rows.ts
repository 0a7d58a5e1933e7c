import type { Matrix } from "./types.js";

/**
 * ys[t] = W·xs[t] for several vectors at once, accumulating in f64: each row of W is read once for
 * all of them (it stays in cache), and four vectors run side by side, so a matrix far larger than the
 * cache is streamed from memory once instead of once per vector. Same sums, same order, as matVec.
 */
export function matMulRows(w: Matrix, xs: readonly Float64Array[]): Float64Array[] {
  for (const x of xs)
    if (x.length !== w.cols)
      throw new RangeError(`matMulRows: vector has ${x.length} elements, matrix has ${w.cols} columns`);
  const n = xs.length;
  const out = xs.map(() => new Float64Array(w.rows));
  const d = w.data;
  const cols = w.cols;
  for (let r = 0; r < w.rows; r++) {
    const o = r * cols;
    let t = 0;
    for (; t + 4 <= n; t += 4) {
      const x0 = xs[t]!;
      const x1 = xs[t + 1]!;
      const x2 = xs[t + 2]!;
      const x3 = xs[t + 3]!;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let c = 0; c < cols; c++) {
        const v = d[o + c]!;
        a0 += v * x0[c]!;
        a1 += v * x1[c]!;
        a2 += v * x2[c]!;
        a3 += v * x3[c]!;
      }
      out[t]![r] = a0;
      out[t + 1]![r] = a1;
      out[t + 2]![r] = a2;
      out[t + 3]![r] = a3;
    }
    for (; t < n; t++) {
      const x = xs[t]!;
      let a = 0;
      for (let c = 0; c < cols; c++) a += d[o + c]! * x[c]!;
      out[t]![r] = a;
    }
  }
  return out;
}
