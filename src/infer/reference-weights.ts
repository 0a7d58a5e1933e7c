import type { CanonicalTensor } from "./build-reference-model.js";
import type { LlamaConfig, RopeLayout } from "./types.js";

/** A checkpoint's weights as the reference reads them: hyper-parameters and one tensor at a time. */
export interface ReferenceWeights {
  config: LlamaConfig;
  /** Order of q/k rows in the weights ("interleaved" = Meta/GGUF, "half-split" = HF). */
  ropeLayout: RopeLayout;
  /** A tensor by canonical (Meta) name, widened to f32; undefined when absent. Read on each call. */
  get: (name: string) => Promise<CanonicalTensor | undefined>;
}
