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
  direction: "meta-to-hf" | "hf-to-meta";
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
  const half = headDim / 2;
  for (let h = 0; h < rows / headDim; h++) {
    const base = h * headDim;
    for (let i = 0; i < half; i++) {
      for (let p = 0; p < 2; p++) {
        const meta = base + 2 * i + p;
        const hf = base + p * half + i;
        const [from, to] = direction === "meta-to-hf" ? [meta, hf] : [hf, meta];
        out.set(data.subarray(from * rowBytes, (from + 1) * rowBytes), to * rowBytes);
      }
    }
  }
  return out;
}
