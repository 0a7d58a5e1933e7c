import { CorruptFileError } from "../errors.js";

/**
 * Element count, storage span (offset of the last element + 1, relative to the first) and
 * row-major contiguity of a strided view; overflow past 2^53 is reported as corruption.
 */
export function tensorExtent(params: { shape: readonly number[]; stride: readonly number[]; storageOffset: number }): {
  numel: number;
  span: number;
  contiguous: boolean;
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
  if (numel === 0) span = 0;
  return { numel, span, contiguous };
}
