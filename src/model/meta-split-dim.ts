/**
 * The dimension along which Meta's model-parallel training split a tensor across the
 * consolidated.NN.pth files, or null when every shard holds a full copy. Column-parallel
 * (wq wk wv w1 w3 output) → 0; row-parallel (wo w2) → 1; tok_embeddings → 1 (Llama 1/2) or
 * 0 (Llama 3); 1-D tensors (norms, rope.freqs) are replicated. Same rule as llama.cpp's merge_sharded.
 */
export function metaSplitDim(name: string, ndim: number, embeddingSplitDim: 0 | 1): 0 | 1 | null {
  if (ndim <= 1) return null;
  if (name.startsWith("tok_embeddings.")) return embeddingSplitDim;
  if (name.endsWith(".attention.wo.weight") || name.endsWith(".feed_forward.w2.weight")) return 1;
  return 0;
}
