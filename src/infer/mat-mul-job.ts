/** Weight encodings the reference's matmul reads directly (widened to f32 a block at a time). */
export type WeightDType = "F32" | "F16" | "BF16";

/**
 * One out = W·x product over several vectors, in memory every worker thread shares (SharedArrayBuffer views): the
 * unit of work of the reference's thread pool (createReferencePool).
 */
export interface MatMulJob {
  /** rows×cols weights, row-major, encoded as `dtype`. */
  weights: Uint8Array;
  dtype: WeightDType;
  rows: number;
  cols: number;
  /** n vectors of `cols` values, one after the other. */
  xs: Float64Array;
  n: number;
  /** n×rows results: out[t·rows + r] for vector t. */
  out: Float64Array;
}
