import { toFloat32 } from "../formats/dtype/index.js";
import { ropeFrequencies } from "../model/rope-frequencies.js";
import { applyRope } from "./apply-rope.js";
import { attend } from "./attend.js";
import { createReferencePool, type ReferencePool } from "./create-reference-pool.js";
import { readSharedMatrix, type SharedMatrix } from "./read-shared-matrix.js";
import type { ReferenceWeights } from "./reference-weights.js";
import { rmsNorm } from "./rms-norm.js";

/** Where a streamed run stopped because its deadline passed. */
export interface StreamStopped {
  stopped: true;
  /** Layers finished before the deadline. */
  layersDone: number;
  layers: number;
}

/**
 * scoreContinuation for any size: the same forward pass, but layer by layer over every position at
 * once, reading one layer's weights at a time (memory: the activations of the few positions, and at most two
 * weight matrices: the one being multiplied and the next, read while the workers compute), so a checkpoint far
 * larger than memory can be checked. Matrices stay in their stored encoding (f32/f16/bf16) in shared memory; the
 * products run on a pool of worker threads with a WebAssembly SIMD kernel (f32 weights, f64 activations and sums).
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
  /** Worker threads to use (else a pool of `threads` is started and stopped here). */
  pool?: ReferencePool;
  /** Size of the pool started here. @default the inference thread default (src/core/default-threads.ts) */
  threads?: number;
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
  for (const t of tokens) {
    if (!Number.isInteger(t) || t < 0 || t >= c.vocabSize)
      throw new RangeError(`token id ${t} is outside the vocabulary (0..${c.vocabSize - 1})`);
  }
  const s = signal ? { signal } : {};
  const vec = async (name: string, n: number): Promise<Float32Array> => {
    signal?.throwIfAborted();
    const t = await W.get(name);
    if (!t || t.shape.length !== 1 || t.shape[0] !== n)
      throw new RangeError(`tensor ${name}: ${t ? `shape [${t.shape.join(", ")}]` : "missing"}, expected [${n}]`);
    return t.data;
  };
  const mat = async (name: string, rows: number, cols: number): Promise<SharedMatrix> => {
    const m = await readSharedMatrix({ weights: W, name, rows, cols, ...s });
    if (!m) throw new RangeError(`tensor ${name}: missing, expected [${rows}, ${cols}]`);
    return m;
  };

  // Every read in the order the pass uses them, one read ahead of the computation.
  const reads: [string, () => Promise<unknown>][] = [["emb", () => mat("tok_embeddings.weight", c.vocabSize, c.dim)]];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `layers.${l}.`;
    reads.push(
      [p + "attention_norm.weight", () => vec(p + "attention_norm.weight", c.dim)],
      [p + "attention.wq.weight", () => mat(p + "attention.wq.weight", c.dim, c.dim)],
      [p + "attention.wk.weight", () => mat(p + "attention.wk.weight", kvDim, c.dim)],
      [p + "attention.wv.weight", () => mat(p + "attention.wv.weight", kvDim, c.dim)],
      [p + "attention.wo.weight", () => mat(p + "attention.wo.weight", c.dim, c.dim)],
      [p + "ffn_norm.weight", () => vec(p + "ffn_norm.weight", c.dim)],
      [p + "feed_forward.w1.weight", () => mat(p + "feed_forward.w1.weight", c.hiddenDim, c.dim)],
      [p + "feed_forward.w3.weight", () => mat(p + "feed_forward.w3.weight", c.hiddenDim, c.dim)],
      [p + "feed_forward.w2.weight", () => mat(p + "feed_forward.w2.weight", c.dim, c.hiddenDim)],
    );
  }
  reads.push(
    ["norm.weight", () => vec("norm.weight", c.dim)],
    // Tied embeddings (no output.weight, or tie_word_embeddings) reuse the embedding matrix.
    [
      "output",
      async () =>
        (c.tieWordEmbeddings
          ? undefined
          : await readSharedMatrix({ weights: W, name: "output.weight", rows: c.vocabSize, cols: c.dim, ...s })) ??
        (await mat("tok_embeddings.weight", c.vocabSize, c.dim)),
    ],
  );
  const inFlight = new Map<string, Promise<unknown>>();
  let nextRead = 0;
  const startNext = () => {
    const r = reads[nextRead++];
    if (!r) return;
    const p = r[1]();
    p.catch(() => undefined); // a read nobody takes (the run stopped) must not be an unhandled rejection
    inFlight.set(r[0], p);
  };
  const take = <T>(key: string): Promise<T> => {
    while (!inFlight.has(key) && nextRead < reads.length) startNext();
    const p = inFlight.get(key)!;
    inFlight.delete(key);
    startNext();
    return p as Promise<T>;
  };

  const pool = params.pool ?? createReferencePool(params.threads !== undefined ? { size: params.threads } : {});
  try {
    const mm = async (m: SharedMatrix, xs: readonly Float64Array[]): Promise<Float64Array[]> => {
      signal?.throwIfAborted();
      const n = xs.length;
      const packed = new Float64Array(new SharedArrayBuffer(n * m.cols * 8));
      xs.forEach((x, t) => packed.set(x, t * m.cols));
      const out = new Float64Array(new SharedArrayBuffer(n * m.rows * 8));
      await pool.matMul({ weights: m.bytes, dtype: m.dtype, rows: m.rows, cols: m.cols, xs: packed, n, out });
      return xs.map((_, t) => out.slice(t * m.rows, (t + 1) * m.rows));
    };
    const { freqs: scaled } = ropeFrequencies({ headDim, theta: c.ropeTheta, scaling: c.ropeScaling });
    const divisors = c.ropeScaling ? undefined : (await W.get("rope_freqs.weight"))?.data;
    const freqs = c.ropeScaling ? scaled : divisors ? scaled.map((f, i) => f / divisors[i]!) : undefined;

    // Embeddings of the tokens fed (the matrix is dropped after).
    const x: Float64Array[] = [];
    {
      const emb = await take<SharedMatrix>("emb");
      const eb = emb.dtype === "F32" ? 4 : 2;
      for (const t of tokens)
        x.push(Float64Array.from(toFloat32(emb.bytes.subarray(t * c.dim * eb, (t + 1) * c.dim * eb), emb.dtype)));
    }
    for (let l = 0; l < c.nLayers; l++) {
      if (deadline !== undefined && performance.now() > deadline)
        return { stopped: true, layersDone: l, layers: c.nLayers };
      const p = `layers.${l}.`;
      const attnNorm = await take<Float32Array>(p + "attention_norm.weight");
      const hs = x.map((xp) => rmsNorm(xp, attnNorm, c.normEps));
      const qs = await mm(await take(p + "attention.wq.weight"), hs);
      const ks = await mm(await take(p + "attention.wk.weight"), hs);
      const vs = await mm(await take(p + "attention.wv.weight"), hs);
      const keys = Array.from({ length: c.nKvHeads }, () => [] as Float64Array[]);
      const values = Array.from({ length: c.nKvHeads }, () => [] as Float64Array[]);
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
      (await mm(await take(p + "attention.wo.weight"), atts)).forEach((ao, pos) => {
        const xp = x[pos]!;
        for (let i = 0; i < c.dim; i++) xp[i] = xp[i]! + ao[i]!;
      });
      const ffnNorm = await take<Float32Array>(p + "ffn_norm.weight");
      const h2s = x.map((xp) => rmsNorm(xp, ffnNorm, c.normEps));
      const gates = await mm(await take(p + "feed_forward.w1.weight"), h2s);
      const ups = await mm(await take(p + "feed_forward.w3.weight"), h2s);
      gates.forEach((gate, pos) => {
        const up = ups[pos]!;
        for (let i = 0; i < gate.length; i++) {
          const g = gate[i]!;
          gate[i] = (g / (1 + Math.exp(-g))) * up[i]!; // SiLU(gate) * up
        }
      });
      (await mm(await take(p + "feed_forward.w2.weight"), gates)).forEach((down, pos) => {
        const xp = x[pos]!;
        for (let i = 0; i < c.dim; i++) xp[i] = xp[i]! + down[i]!;
      });
    }
    const norm = await take<Float32Array>("norm.weight");
    const out = await take<SharedMatrix>("output");
    const last = x.slice(prompt.length - 1, prompt.length - 1 + positions).map((xp) => rmsNorm(xp, norm, c.normEps));
    return await mm(out, last);
  } finally {
    if (!params.pool) await pool.close();
  }
}
