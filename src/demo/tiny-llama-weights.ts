/**
 * Deterministic random Llama weights in Meta's layout and naming: the demo's small real checkpoint and
 * the tests' models. Values are rounded to bf16 when asked so that a bf16 checkpoint holds exactly them.
 */

import type { LlamaConfig } from "../infer/types.js";

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

/** mulberry32: a tiny seeded PRNG, so fixtures are reproducible without storing them. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Round each value to the nearest bf16 (round-half-even), computed independently of src/. */
export function roundToBf16(x: Float32Array): Float32Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Float32Array(x.length);
  const ou = new Uint32Array(out.buffer);
  for (let i = 0; i < x.length; i++) {
    const b = u[i]!;
    ou[i] = (((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) << 16) >>> 0;
  }
  return out;
}

/** Random Meta-named weights: tok_embeddings, layers.N.attention.w{q,k,v,o}, feed_forward.w{1,2,3}, norms, output. */
export function makeTinyLlamaWeights(
  spec: LlamaConfig,
  seed = 1,
  bf16 = false,
  /** Norm weights are 1 ± this (real models spread far wider than the default 0.1). */
  normSpread = 0.1,
): Map<string, F32Tensor> {
  const rnd = seededRandom(seed);
  const t = (shape: number[], scale: number, offset = 0): F32Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = offset + (rnd() * 2 - 1) * scale;
    if (bf16) data = roundToBf16(data);
    return { shape, data };
  };
  const hd = spec.dim / spec.nHeads;
  const kvd = hd * spec.nKvHeads;
  const w = new Map<string, F32Tensor>();
  w.set("tok_embeddings.weight", t([spec.vocabSize, spec.dim], 1));
  for (let l = 0; l < spec.nLayers; l++) {
    const p = `layers.${l}.`;
    w.set(p + "attention.wq.weight", t([spec.dim, spec.dim], 0.3));
    w.set(p + "attention.wk.weight", t([kvd, spec.dim], 0.3));
    w.set(p + "attention.wv.weight", t([kvd, spec.dim], 0.3));
    w.set(p + "attention.wo.weight", t([spec.dim, spec.dim], 0.2));
    w.set(p + "feed_forward.w1.weight", t([spec.hiddenDim, spec.dim], 0.2));
    w.set(p + "feed_forward.w2.weight", t([spec.dim, spec.hiddenDim], 0.2));
    w.set(p + "feed_forward.w3.weight", t([spec.hiddenDim, spec.dim], 0.2));
    w.set(p + "attention_norm.weight", t([spec.dim], normSpread, 1));
    w.set(p + "ffn_norm.weight", t([spec.dim], normSpread, 1));
  }
  w.set("norm.weight", t([spec.dim], normSpread, 1));
  w.set("output.weight", t([spec.vocabSize, spec.dim], 0.5));
  return w;
}

/** Meta's split rule: 1-D replicated; tok_embeddings (dim 1 in L1/L2, 0 in L3), wo, w2 on dim 1; the rest on dim 0. */
export function metaSplitDimForTest(name: string, shape: number[], embeddingSplitDim = 1): number | null {
  if (shape.length === 1) return null;
  if (name.startsWith("tok_embeddings.")) return embeddingSplitDim;
  if (name.endsWith("attention.wo.weight") || name.endsWith("feed_forward.w2.weight")) return 1;
  return 0;
}

/** Cut full weights into model-parallel shards the way Meta's training layout stores them. */
export function splitIntoShards(
  weights: Map<string, F32Tensor>,
  nShards: number,
  embeddingSplitDim = 1,
): Map<string, F32Tensor>[] {
  const shards = Array.from({ length: nShards }, () => new Map<string, F32Tensor>());
  for (const [name, t] of weights) {
    const dim = metaSplitDimForTest(name, t.shape, embeddingSplitDim);
    if (dim === null) {
      for (const s of shards) s.set(name, { shape: [...t.shape], data: t.data.slice() });
      continue;
    }
    const [rows, cols] = t.shape as [number, number];
    if (dim === 0) {
      const r = rows / nShards;
      shards.forEach((s, i) => s.set(name, { shape: [r, cols], data: t.data.slice(i * r * cols, (i + 1) * r * cols) }));
    } else {
      const c = cols / nShards;
      shards.forEach((s, i) => {
        const data = new Float32Array(rows * c);
        for (let row = 0; row < rows; row++)
          data.set(t.data.subarray(row * cols + i * c, row * cols + (i + 1) * c), row * c);
        s.set(name, { shape: [rows, c], data });
      });
    }
  }
  return shards;
}
