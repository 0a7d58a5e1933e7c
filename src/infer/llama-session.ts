import { applyRope } from "./apply-rope.js";
import { attend } from "./attend.js";
import { matVec } from "./mat-vec.js";
import { rmsNorm } from "./rms-norm.js";
import { ropeFrequencies } from "../model/rope-frequencies.js";
import type { ReferenceModel } from "./types.js";

/** A decoding session over one sequence: feed tokens in order, get next-token logits. */
export interface LlamaSession {
  /** Tokens fed so far. */
  readonly length: number;
  /** Run one token at the next position (KV-cached) and return the logits for the token after it. */
  step(token: number): Float64Array;
}

/**
 * Start a KV-cached forward pass of the reference model (RMSNorm, RoPE in the model's layout,
 * grouped-query attention, SwiGLU), mirroring Meta's llama/model.py one token at a time.
 */
export function createLlamaSession(model: ReferenceModel): LlamaSession {
  const { config: c, weights: w, ropeLayout } = model;
  const headDim = c.dim / c.nHeads;
  const group = c.nHeads / c.nKvHeads;
  if (!Number.isInteger(headDim) || !Number.isInteger(group)) {
    throw new RangeError(`invalid head layout: dim ${c.dim}, heads ${c.nHeads}, kv heads ${c.nKvHeads}`);
  }
  // cache[layer][kvHead] = per-position vectors
  const keys = w.layers.map(() => Array.from({ length: c.nKvHeads }, () => [] as Float64Array[]));
  const values = w.layers.map(() => Array.from({ length: c.nKvHeads }, () => [] as Float64Array[]));
  let pos = 0;
  const { freqs: scaled } = ropeFrequencies({ headDim, theta: c.ropeTheta, scaling: c.ropeScaling });
  const divisors = c.ropeScaling ? undefined : model.ropeDivisors;
  if (divisors && divisors.length !== headDim / 2)
    throw new RangeError(`rope_freqs has ${divisors.length} values, expected ${headDim / 2}`);
  // Frequencies only differ from θ^(-2i/headDim) with Llama 3 scaling (from the config or a GGUF's rope_freqs).
  const freqs = c.ropeScaling ? scaled : divisors ? scaled.map((f, i) => f / divisors[i]!) : undefined;

  const step = (token: number): Float64Array => {
    if (!Number.isInteger(token) || token < 0 || token >= w.tokEmbeddings.rows) {
      throw new RangeError(`token id ${token} is outside the vocabulary (0..${w.tokEmbeddings.rows - 1})`);
    }
    const x = Float64Array.from(w.tokEmbeddings.data.subarray(token * c.dim, (token + 1) * c.dim));
    for (let l = 0; l < w.layers.length; l++) {
      const L = w.layers[l]!;
      const h = rmsNorm(x, L.attentionNorm, c.normEps);
      const q = matVec(L.wq, h);
      const k = matVec(L.wk, h);
      const v = matVec(L.wv, h);
      applyRope({ x: q, nHeads: c.nHeads, headDim, pos, theta: c.ropeTheta, layout: ropeLayout, freqs });
      applyRope({ x: k, nHeads: c.nKvHeads, headDim, pos, theta: c.ropeTheta, layout: ropeLayout, freqs });
      for (let g = 0; g < c.nKvHeads; g++) {
        keys[l]![g]!.push(k.slice(g * headDim, (g + 1) * headDim));
        values[l]![g]!.push(v.slice(g * headDim, (g + 1) * headDim));
      }
      const att = new Float64Array(c.nHeads * headDim);
      for (let hd = 0; hd < c.nHeads; hd++) {
        // Meta's repeat_kv: query head hd reads KV head floor(hd / group)
        const kv = Math.floor(hd / group);
        const o = attend({
          q: q.subarray(hd * headDim, (hd + 1) * headDim),
          keys: keys[l]![kv]!,
          values: values[l]![kv]!,
        });
        att.set(o, hd * headDim);
      }
      const ao = matVec(L.wo, att);
      for (let i = 0; i < c.dim; i++) x[i] = x[i]! + ao[i]!;
      const h2 = rmsNorm(x, L.ffnNorm, c.normEps);
      const gate = matVec(L.w1, h2);
      const up = matVec(L.w3, h2);
      for (let i = 0; i < gate.length; i++) {
        const g = gate[i]!;
        gate[i] = (g / (1 + Math.exp(-g))) * up[i]!; // SiLU(gate) * up
      }
      const down = matVec(L.w2, gate);
      for (let i = 0; i < c.dim; i++) x[i] = x[i]! + down[i]!;
    }
    pos++;
    return matVec(w.output, rmsNorm(x, w.norm, c.normEps));
  };

  return {
    get length() {
      return pos;
    },
    step,
  };
}
