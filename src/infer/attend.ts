export interface AttendParams {
  /** One head's query (headDim values), already rotated. */
  q: Float64Array;
  /** Cached keys of this head's KV group, one per past position (including the current one). */
  keys: readonly Float64Array[];
  /** Cached values, aligned with `keys`. */
  values: readonly Float64Array[];
}

/**
 * Causal scaled dot-product attention for one query against the cache:
 * softmax(q·kᵀ/√d)·V. With a single cached position the result is that position's value vector.
 */
export function attend(params: AttendParams): Float64Array {
  const { q, keys, values } = params;
  const d = q.length;
  const scale = 1 / Math.sqrt(d);
  const scores = new Float64Array(keys.length);
  let max = -Infinity;
  for (let t = 0; t < keys.length; t++) {
    const k = keys[t]!;
    let s = 0;
    for (let i = 0; i < d; i++) s += q[i]! * k[i]!;
    scores[t] = s * scale;
    if (scores[t]! > max) max = scores[t]!;
  }
  let sum = 0;
  for (let t = 0; t < keys.length; t++) {
    scores[t] = Math.exp(scores[t]! - max);
    sum += scores[t]!;
  }
  const out = new Float64Array(d);
  for (let t = 0; t < values.length; t++) {
    const p = scores[t]! / sum;
    const v = values[t]!;
    for (let i = 0; i < d; i++) out[i] = out[i]! + p * v[i]!;
  }
  return out;
}
