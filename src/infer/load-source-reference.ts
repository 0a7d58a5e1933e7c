import type { SourceModel } from "../model/source-model.js";
import { buildReferenceModel } from "./build-reference-model.js";
import { sourceReferenceWeights } from "./source-reference-weights.js";
import type { ReferenceModel } from "./types.js";

/**
 * Build the reference model from an opened Meta or HF checkpoint: every tensor merged (Meta shards
 * by the converter's own rules) and widened to f32, q/k kept in the source's RoPE layout.
 */
export async function loadSourceReference(params: {
  /** An opened Meta folder or HF snapshot (see model/open-source-model.ts); the caller closes it. */
  source: SourceModel;
  signal?: AbortSignal;
}): Promise<ReferenceModel> {
  return buildReferenceModel(sourceReferenceWeights(params));
}
