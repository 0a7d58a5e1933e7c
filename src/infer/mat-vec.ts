import type { Matrix } from "./types.js";

/** y = W·x for a row-major (rows, cols) matrix, accumulating in f64. */
export function matVec(w: Matrix, x: Float64Array): Float64Array {
  if (x.length !== w.cols)
    throw new RangeError(`matVec: vector has ${x.length} elements, matrix has ${w.cols} columns`);
  const out = new Float64Array(w.rows);
  const d = w.data;
  for (let r = 0; r < w.rows; r++) {
    let acc = 0;
    const o = r * w.cols;
    for (let c = 0; c < w.cols; c++) acc += d[o + c]! * x[c]!;
    out[r] = acc;
  }
  return out;
}
