import type { RopeScaling } from "./llama-config.js";

/**
 * The headDim/2 rotation frequencies θ^(-2i/headDim), each divided by the Llama 3 scaling rule's
 * factor when `scaling` is given (Meta's apply_scaling, transformers' _compute_llama3_parameters).
 * `divisors` are the per-frequency factors llama.cpp reads from the rope_freqs.weight tensor.
 */
export function ropeFrequencies(params: {
  /** Elements per head (even). */
  headDim: number;
  /** RoPE base θ. */
  theta: number;
  /** Llama 3 scaling; absent = plain RoPE (every divisor 1). */
  scaling?: RopeScaling | undefined;
}): { freqs: Float64Array; divisors: Float64Array } {
  const { headDim, theta, scaling } = params;
  const half = headDim / 2;
  const freqs = new Float64Array(half);
  const divisors = new Float64Array(half).fill(1);
  for (let i = 0; i < half; i++) {
    const f = Math.pow(theta, (-2 * i) / headDim);
    if (scaling) {
      const { factor, lowFreqFactor, highFreqFactor, originalContext } = scaling;
      const lowWavelen = originalContext / lowFreqFactor;
      const highWavelen = originalContext / highFreqFactor;
      const wavelen = (2 * Math.PI) / f;
      if (wavelen > lowWavelen) divisors[i] = factor;
      else if (wavelen >= highWavelen) {
        const smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        divisors[i] = 1 / ((1 - smooth) / factor + smooth);
      }
    }
    freqs[i] = f / divisors[i]!;
  }
  return { freqs, divisors };
}
