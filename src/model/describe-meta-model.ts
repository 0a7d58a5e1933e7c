import type { MetaParams } from "./read-meta-params.js";

/** What a Meta checkpoint is, as far as conversion cares. */
export interface MetaModelFamily {
  family: "llama1" | "llama2" | "codellama" | "llama3";
  /** Context length (not in params.json; decided by family as transformers and llama.cpp do). */
  contextLength: number;
  ropeTheta: number;
  /** Dim along which tok_embeddings is split across shards: 1 before Llama 3, 0 from Llama 3. */
  embeddingSplitDim: 0 | 1;
}

/**
 * Guess the family from params.json: vocab ≥ 128000 → Llama 3 (8192, or 131072 with scaled RoPE);
 * θ > 10000 → Code Llama (16384); norm_eps 1e-5 → Llama 2 (4096); otherwise Llama 1 (2048).
 */
export function describeMetaModel(params: MetaParams): MetaModelFamily {
  const theta = params.ropeTheta ?? 10000;
  if (params.vocabSize >= 128000) {
    return {
      family: "llama3",
      contextLength: params.useScaledRope ? 131072 : 8192,
      ropeTheta: theta,
      embeddingSplitDim: 0,
    };
  }
  if (theta > 10000) return { family: "codellama", contextLength: 16384, ropeTheta: theta, embeddingSplitDim: 1 };
  if (params.normEps === 1e-5) return { family: "llama2", contextLength: 4096, ropeTheta: theta, embeddingSplitDim: 1 };
  return { family: "llama1", contextLength: 2048, ropeTheta: theta, embeddingSplitDim: 1 };
}
