import { CorruptFileError } from "../errors.js";

/**
 * Element count, storage span (offset of the last element + 1, relative to the first),
 * row-major contiguity and overlap of a strided view; overflow past 2^53 is reported as
 * corruption. A view overlaps when two indices reach the same storage element (a stride of 0,
 * or strides too small for the dimensions inside them): state dicts never hold such views.
 */
export function tensorExtent(params: { shape: readonly number[]; stride: readonly number[]; storageOffset: number }): {
  numel: number;
  span: number;
  contiguous: boolean;
  overlapping: boolean;
} {
  const { shape, stride } = params;
  let numel = 1;
  let span = 1;
  let contiguous = true;
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    const s = stride[d]!;
    numel *= n;
    span += (n - 1) * s;
    if (n !== 1 && s !== expected) contiguous = false;
    expected *= n;
    if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(span)) {
      throw new CorruptFileError("A tensor's size overflows.");
    }
  }
  if (numel === 0) return { numel, span: 0, contiguous, overlapping: false };
  // Injective iff, taking the dimensions of size > 1 by increasing stride, each stride passes the
  // extent of the dimensions before it.
  const dims = shape
    .map((n, d) => ({ n, s: stride[d]! }))
    .filter((x) => x.n > 1)
    .sort((a, b) => a.s - b.s);
  let extent = 1;
  let overlapping = false;
  for (const { n, s } of dims) {
    if (s < extent) overlapping = true;
    extent += (n - 1) * s;
  }
  return { numel, span, contiguous, overlapping };
}
