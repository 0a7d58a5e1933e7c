/**
 * Shapes shared by the pure-TypeScript reference forward pass and its loaders. The reference runs
 * in f32 weights / f64 activations and is meant for models small enough to check conversions.
 */

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
  /** RoPE base θ (10000 for Llama 1/2, 1e6 for Code Llama). */
  ropeTheta: number;
}

/**
 * Where the two members of each rotated pair sit inside a q/k head:
 * "interleaved" = adjacent elements (2i, 2i+1) as Meta and llama.cpp do;
 * "half-split" = (i, i + headDim/2) as Hugging Face transformers does.
 */
export type RopeLayout = "interleaved" | "half-split";

/** A row-major f32 matrix (PyTorch (out, in) order). */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export interface LlamaLayerWeights {
  attentionNorm: Float32Array;
  wq: Matrix;
  wk: Matrix;
  wv: Matrix;
  wo: Matrix;
  ffnNorm: Float32Array;
  /** gate */
  w1: Matrix;
  /** down */
  w2: Matrix;
  /** up */
  w3: Matrix;
}

export interface LlamaWeights {
  tokEmbeddings: Matrix;
  layers: LlamaLayerWeights[];
  norm: Float32Array;
  output: Matrix;
}

/** Everything the reference forward pass needs. */
export interface ReferenceModel {
  config: LlamaConfig;
  weights: LlamaWeights;
  /** How q/k rows are ordered in `wq`/`wk`, which decides the RoPE pairing. */
  ropeLayout: RopeLayout;
}
