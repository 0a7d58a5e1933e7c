import type { RopeLayout } from "./types.js";

export interface ApplyRopeParams {
  /** nHeads × headDim values, head after head; rotated in place. */
  x: Float64Array;
  /** Number of heads in `x`. */
  nHeads: number;
  /** Elements per head (even). */
  headDim: number;
  /** Token position (0-based). */
  pos: number;
  /** RoPE base θ. */
  theta: number;
  /** Which elements form each rotated pair. */
  layout: RopeLayout;
  /** Precomputed frequencies (headDim/2; Llama 3 scaling, see model/rope-frequencies.ts); default θ^(-2i/headDim). */
  freqs?: Float64Array | undefined;
}

/**
 * Rotate each pair of a q/k vector by pos·θ^(-2i/headDim). Meta pairs adjacent elements
 * (2i, 2i+1); Hugging Face pairs (i, i + headDim/2). Both compute the same attention when the
 * q/k weight rows are permuted accordingly (see model/permute-qk.ts).
 */
export function applyRope(params: ApplyRopeParams): void {
  const { x, nHeads, headDim, pos, theta, layout, freqs } = params;
  const half = headDim / 2;
  for (let i = 0; i < half; i++) {
    const angle = pos * (freqs ? freqs[i]! : Math.pow(theta, (-2 * i) / headDim));
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    for (let h = 0; h < nHeads; h++) {
      const base = h * headDim;
      const a = layout === "interleaved" ? base + 2 * i : base + i;
      const b = layout === "interleaved" ? a + 1 : a + half;
      const x0 = x[a]!;
      const x1 = x[b]!;
      x[a] = x0 * c - x1 * s;
      x[b] = x0 * s + x1 * c;
    }
  }
}
