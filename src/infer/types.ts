/**
 * Shapes shared by the pure-TypeScript reference forward pass and its loaders. The reference runs
 * in f32 weights / f64 activations and is meant for models small enough to check conversions.
 */

import type { LlamaConfig, RopeLayout } from "../model/llama-config.js";

// The model description lives in src/model (shared with convert); re-exported for existing callers.
export type { LlamaConfig, RopeLayout, RopeScaling } from "../model/llama-config.js";

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
  /**
   * Per-frequency RoPE divisors (headDim/2) as a GGUF's rope_freqs.weight stores them, used when the
   * config has no ropeScaling (the GGUF's own record of Llama 3 scaling).
   */
  ropeDivisors?: Float32Array;
}
