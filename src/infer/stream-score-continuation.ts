import { ropeFrequencies } from "../model/rope-frequencies.js";
import { applyRope } from "./apply-rope.js";
import { attend } from "./attend.js";
import type { CanonicalTensor } from "./build-reference-model.js";
import { matMulRows } from "./mat-mul-rows.js";
import { matVec } from "./mat-vec.js";
import type { ReferenceWeights } from "./reference-weights.js";
import { rmsNorm } from "./rms-norm.js";
import type { Matrix } from "./types.js";

/** Where a streamed run stopped because its deadline passed. */
export interface StreamStopped {
  stopped: true;
  /** Layers finished before the deadline. */
  layersDone: number;
  layers: number;
}

/**
 * scoreContinuation for any size: the same forward pass, but layer by layer over every position at
 * once, reading one layer's weights at a time (memory: one layer, the embedding or output matrix, and
 * the activations of the few positions), so a checkpoint far larger than memory can be checked.
 * Returns the logits at the first `positions` positions after the prompt, or where it stopped when
 * `deadline` (a performance.now() time) passed first.
 */
export async function streamScoreContinuation(params: {
  weights: ReferenceWeights;
  /** Prompt token ids (with BOS if the model uses one). Must not be empty. */
  prompt: readonly number[];
  /** The tokens that followed the prompt (another engine's output). */
  continuation: readonly number[];
  /** How many positions to score (at most continuation.length). */
  positions: number;
  /** Stop (and say where) once performance.now() passes this. */
  deadline?: number;
  signal?: AbortSignal;
}): Promise<Float64Array[] | StreamStopped> {
  const { weights: W, prompt, continuation, deadline, signal } = params;
  const c = W.config;
  if (prompt.length === 0) throw new RangeError("streamScoreContinuation needs at least one prompt token");
  const positions = Math.min(params.positions, continuation.length);
  const tokens = [...prompt, ...continuation.slice(0, Math.max(0, positions - 1))];
  const headDim = c.dim / c.nHeads;
  const group = c.nHeads / c.nKvHeads;
  const kvDim = headDim * c.nKvHeads;
  if (!Number.isInteger(headDim) || !Number.isInteger(group))
    throw new RangeError(`invalid head layout: dim ${c.dim}, heads ${c.nHeads}, kv heads ${c.nKvHeads}`);
  const need = async (name: string, shape: number[]): Promise<CanonicalTensor> => {
    signal?.throwIfAborted();
    const t = await W.get(name);
    if (!t || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new RangeError(`tensor ${name}: ${t ? `shape [${t.shape.join(", ")}]` : "missing"}, expected [${shape}]`);
    return t;
  };
  const mat = async (name: string, rows: number, cols: number): Promise<Matrix> => ({
    rows,
    cols,
    data: (await need(name, [rows, cols])).data,
  });
  const { freqs: scaled } = ropeFrequencies({ headDim, theta: c.ropeTheta, scaling: c.ropeScaling });
  const divisors = c.ropeScaling ? undefined : (await W.get("rope_freqs.weight"))?.data;
  const freqs = c.ropeScaling ? scaled : divisors ? scaled.map((f, i) => f / divisors[i]!) : undefined;

  // Embeddings of the tokens fed (the matrix is dropped after).
  const x: Float64Array[] = [];
  {
    const emb = await mat("tok_embeddings.weight", c.vocabSize, c.dim);
    for (const t of tokens) {
      if (!Number.isInteger(t) || t < 0 || t >= c.vocabSize)
        throw new RangeError(`token id ${t} is outside the vocabulary (0..${c.vocabSize - 1})`);
      x.push(Float64Array.from(emb.data.subarray(t * c.dim, (t + 1) * c.dim)));
    }
  }
  for (let l = 0; l < c.nLayers; l++) {
    if (deadline !== undefined && performance.now() > deadline)
      return { stopped: true, layersDone: l, layers: c.nLayers };
    const p = `layers.${l}.`;
    const attnNorm = (await need(p + "attention_norm.weight", [c.dim])).data;
    const wq = await mat(p + "attention.wq.weight", c.dim, c.dim);
    const wk = await mat(p + "attention.wk.weight", kvDim, c.dim);
    const wv = await mat(p + "attention.wv.weight", kvDim, c.dim);
    const keys = Array.from({ length: c.nKvHeads }, () => [] as Float64Array[]);
    const values = Array.from({ length: c.nKvHeads }, () => [] as Float64Array[]);
    const hs = x.map((xp) => rmsNorm(xp, attnNorm, c.normEps));
    const qs = matMulRows(wq, hs);
    const ks = matMulRows(wk, hs);
    const vs = matMulRows(wv, hs);
    for (let pos = 0; pos < tokens.length; pos++) {
      const q = qs[pos]!;
      const k = ks[pos]!;
      const v = vs[pos]!;
      applyRope({ x: q, nHeads: c.nHeads, headDim, pos, theta: c.ropeTheta, layout: W.ropeLayout, freqs });
      applyRope({ x: k, nHeads: c.nKvHeads, headDim, pos, theta: c.ropeTheta, layout: W.ropeLayout, freqs });
      for (let g = 0; g < c.nKvHeads; g++) {
        keys[g]!.push(k.slice(g * headDim, (g + 1) * headDim));
        values[g]!.push(v.slice(g * headDim, (g + 1) * headDim));
      }
    }
    const wo = await mat(p + "attention.wo.weight", c.dim, c.dim);
    const atts = qs.map((q, pos) => {
      const att = new Float64Array(c.nHeads * headDim);
      for (let hd = 0; hd < c.nHeads; hd++) {
        const kv = Math.floor(hd / group);
        const o = attend({
          q: q.subarray(hd * headDim, (hd + 1) * headDim),
          keys: keys[kv]!.slice(0, pos + 1),
          values: values[kv]!.slice(0, pos + 1),
        });
        att.set(o, hd * headDim);
      }
      return att;
    });
    matMulRows(wo, atts).forEach((ao, pos) => {
      const xp = x[pos]!;
      for (let i = 0; i < c.dim; i++) xp[i] = xp[i]! + ao[i]!;
    });
    const ffnNorm = (await need(p + "ffn_norm.weight", [c.dim])).data;
    const w1 = await mat(p + "feed_forward.w1.weight", c.hiddenDim, c.dim);
    const w3 = await mat(p + "feed_forward.w3.weight", c.hiddenDim, c.dim);
    const w2 = await mat(p + "feed_forward.w2.weight", c.dim, c.hiddenDim);
    const h2s = x.map((xp) => rmsNorm(xp, ffnNorm, c.normEps));
    const gates = matMulRows(w1, h2s);
    const ups = matMulRows(w3, h2s);
    gates.forEach((gate, pos) => {
      const up = ups[pos]!;
      for (let i = 0; i < gate.length; i++) {
        const g = gate[i]!;
        gate[i] = (g / (1 + Math.exp(-g))) * up[i]!; // SiLU(gate) * up
      }
    });
    matMulRows(w2, gates).forEach((down, pos) => {
      const xp = x[pos]!;
      for (let i = 0; i < c.dim; i++) xp[i] = xp[i]! + down[i]!;
    });
  }
  const norm = (await need("norm.weight", [c.dim])).data;
  // Tied embeddings (no output.weight, or tie_word_embeddings) reuse the embedding matrix.
  const own = c.tieWordEmbeddings ? undefined : await W.get("output.weight");
  const out: Matrix = own
    ? { rows: c.vocabSize, cols: c.dim, data: own.data }
    : await mat("tok_embeddings.weight", c.vocabSize, c.dim);
  if (own && own.data.length !== c.vocabSize * c.dim) throw new RangeError("tensor output.weight has the wrong size");
  const last = x.slice(prompt.length - 1, prompt.length - 1 + positions).map((xp) => rmsNorm(xp, norm, c.normEps));
  return positions === 1 ? [matVec(out, last[0]!)] : matMulRows(out, last);
}
