/**
 * The shared description of a Llama model (Meta's ModelArgs terms), used by the converters and by the
 * pure-TypeScript reference forward pass.
 */

/**
 * Llama 3.1+ RoPE frequency scaling (transformers' rope_type "llama3", Meta's apply_scaling):
 * wavelengths shorter than originalContext/highFreqFactor keep their frequency, longer than
 * originalContext/lowFreqFactor are divided by `factor`, and the band between is interpolated.
 */
export interface RopeScaling {
  /** 8 for Llama 3.1/3.3 (and Meta's reference code everywhere), 32 in the HF configs of Llama 3.2. */
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  /** Context the base model was trained with (8192). */
  originalContext: number;
}

/** Hyper-parameters of a Llama model, in the terms of Meta's ModelArgs. */
export interface LlamaConfig {
  /** Model width (hidden_size). */
  dim: number;
  /** Number of transformer blocks. */
  nLayers: number;
  /** Query heads. */
  nHeads: number;
  /** Key/value heads (equal to nHeads without GQA). */
  nKvHeads: number;
  /** Feed-forward width (intermediate_size). */
  hiddenDim: number;
  /** Rows of the embedding and output matrices. */
  vocabSize: number;
  /** RMSNorm epsilon. */
  normEps: number;
  /** RoPE base θ (10000 for Llama 1/2, 1e6 for Code Llama, 500000 for Llama 3). */
  ropeTheta: number;
  /** Llama 3.1+ frequency scaling; absent = plain RoPE. */
  ropeScaling?: RopeScaling | undefined;
  /** The output head is the embedding matrix (Llama 3.2 1B/3B: no output.weight). */
  tieWordEmbeddings?: boolean | undefined;
}

/**
 * Where the two members of each rotated pair sit inside a q/k head:
 * "interleaved" = adjacent elements (2i, 2i+1) as Meta and llama.cpp do;
 * "half-split" = (i, i + headDim/2) as Hugging Face transformers does.
 */
export type RopeLayout = "interleaved" | "half-split";

/** Meta's hard-coded apply_scaling constants (models/llama3/model.py) with the given factor. */
export function llama3RopeScaling(factor = 8): RopeScaling {
  return { factor, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 };
}
