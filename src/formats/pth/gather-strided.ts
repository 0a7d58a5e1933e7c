/**
 * Copy a strided view (counts in elements) out of `span`, whose element 0 is the view's first
 * element (index 0,...,0), into contiguous row-major bytes. Rows with unit stride are copied whole.
 */
export function gatherStrided(
  span: Uint8Array,
  shape: readonly number[],
  stride: readonly number[],
  itemSize: number,
): Uint8Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(numel * itemSize);
  if (numel === 0) return out;
  const rank = shape.length;
  // copy runs of the innermost dimension when it is contiguous, single elements otherwise
  const unitInner = rank > 0 && stride[rank - 1] === 1;
  const outer = unitInner ? rank - 1 : rank;
  const runBytes = (unitInner ? shape[rank - 1]! : 1) * itemSize;
  const runs = numel / (unitInner ? shape[rank - 1]! : 1);
  const idx = new Array<number>(outer).fill(0);
  let src = 0;
  for (let r = 0; r < runs; r++) {
    out.set(span.subarray(src * itemSize, src * itemSize + runBytes), r * runBytes);
    for (let d = outer - 1; d >= 0; d--) {
      idx[d]!++;
      src += stride[d]!;
      if (idx[d]! < shape[d]!) break;
      src -= stride[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
