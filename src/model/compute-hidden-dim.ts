/**
 * Meta's FeedForward width: start from 4·dim, take int(2·h/3), scale by ffn_dim_multiplier (then
 * truncate) when set, and round up to a multiple of multiple_of. 7B → 11008, 13B → 13824,
 * 70B → 28672, Code Llama 34B → 22016, Llama 3 8B → 14336.
 */
export function computeHiddenDim(params: {
  /** Model width (params.json dim). */
  dim: number;
  /** params.json multiple_of. */
  multipleOf: number;
  /** params.json ffn_dim_multiplier, when set. */
  ffnDimMultiplier?: number | undefined;
}): number {
  let hidden = Math.trunc((2 * 4 * params.dim) / 3);
  if (params.ffnDimMultiplier !== undefined) hidden = Math.trunc(params.ffnDimMultiplier * hidden);
  return params.multipleOf * Math.ceil(hidden / params.multipleOf);
}
