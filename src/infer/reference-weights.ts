import type { CanonicalTensor } from "./build-reference-model.js";
import type { WeightDType } from "./mat-mul-job.js";
import type { LlamaConfig, RopeLayout } from "./types.js";

/** A tensor's bytes as stored (F32, F16 or BF16), row-major, not widened. */
export interface RawTensor {
  shape: readonly number[];
  dtype: WeightDType;
  /** Little-endian elements; may be a view of a SharedArrayBuffer (then used in place by the worker threads). */
  bytes: Uint8Array;
}

/** A checkpoint's weights as the reference reads them: hyper-parameters and one tensor at a time. */
export interface ReferenceWeights {
  config: LlamaConfig;
  /** Order of q/k rows in the weights ("interleaved" = Meta/GGUF, "half-split" = HF). */
  ropeLayout: RopeLayout;
  /** A tensor by canonical (Meta) name, widened to f32; undefined when absent. Read on each call. */
  get: (name: string) => Promise<CanonicalTensor | undefined>;
  /**
   * The same tensor in its stored encoding when that is F32/F16/BF16 (else widened to F32), so the streamed pass
   * reads each matrix once and widens it a block at a time in its worker threads. Absent: `get` is used.
   */
  getRaw?: (name: string) => Promise<RawTensor | undefined>;
}
