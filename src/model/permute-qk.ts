/** Direction of the q/k row permutation between Meta's and transformers' RoPE layouts. */
export type QkDirection = "meta-to-hf" | "hf-to-meta";

/**
 * The one q/k permutation: where row `row` of a q/k projection goes. Within each head of `headDim`
 * rows, Meta row 2i + p is HF row p·headDim/2 + i (formats.md §3); only rows move, never values.
 */
export function qkDestRow(row: number, headDim: number, direction: QkDirection): number {
  const base = row - (row % headDim);
  const within = row % headDim;
  const half = headDim / 2;
  if (direction === "meta-to-hf") return base + (within % 2) * half + Math.floor(within / 2);
  return base + 2 * (within % half) + Math.floor(within / half);
}

export interface PermuteQkParams {
  /** Row-major bytes of a q or k projection (or a whole-head slice of one), any element type. */
  data: Uint8Array;
  /** Bytes per row (columns × element size). */
  rowBytes: number;
  /** Head size in rows (dim / n_heads); data must hold a whole number of heads. */
  headDim: number;
  /**
   * "meta-to-hf": Meta's interleaved rotary pairs (2i, 2i+1) → transformers' half-split (i, i+hd/2);
   * "hf-to-meta": the inverse (what convert_hf_to_gguf does for llama.cpp).
   */
  direction: QkDirection;
}

/**
 * Reorder q/k rows between the two RoPE layouts. Within each head, HF row p·hd/2 + i is Meta row
 * 2i + p (formats.md §3). Only rows move, so it works on any dtype and on whole-head shard slices.
 * Returns new bytes.
 */
export function permuteQk(params: PermuteQkParams): Uint8Array {
  const { data, rowBytes, headDim, direction } = params;
  if (headDim % 2 !== 0) throw new RangeError(`head size ${headDim} is odd`);
  const rows = data.byteLength / rowBytes;
  if (!Number.isInteger(rows) || rows % headDim !== 0) {
    throw new RangeError(`${data.byteLength} bytes is not a whole number of ${headDim}-row heads of ${rowBytes} bytes`);
  }
  const out = new Uint8Array(data.byteLength);
  for (let r = 0; r < rows; r++) {
    out.set(data.subarray(r * rowBytes, (r + 1) * rowBytes), qkDestRow(r, headDim, direction) * rowBytes);
  }
  return out;
}
