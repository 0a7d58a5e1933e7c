/**
 * Deterministic random Llama weights in Meta's layout and naming, for tests. Values are rounded to
 * bf16 when asked so that a bf16 checkpoint holds exactly these numbers.
 */

import type { LlamaConfig } from "../../src/infer/types.js";

/** The shapes of a tiny model: the reference forward pass's own config type. */
export type TinyLlamaSpec = LlamaConfig;

export type { F32Tensor } from "../../src/demo/tiny-llama-weights.js";
export {
  makeTinyLlamaWeights,
  metaSplitDimForTest,
  roundToBf16,
  seededRandom,
  splitIntoShards,
} from "../../src/demo/tiny-llama-weights.js";

export const TINY_SPEC: TinyLlamaSpec = {
  dim: 64,
  nLayers: 2,
  nHeads: 4,
  nKvHeads: 2,
  hiddenDim: 192,
  vocabSize: 96,
  normEps: 1e-5,
  ropeTheta: 10000,
};
