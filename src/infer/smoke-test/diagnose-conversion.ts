import { qkDestRow } from "../../model/permute-qk.js";
import { ropeFrequencies } from "../../model/rope-frequencies.js";
import type { LlamaLayerWeights, Matrix, ReferenceModel } from "../types.js";

/** One way the GGUF's weights or settings differ from the source's, named by its likely cause. */
export interface ConversionFinding {
  /** "hyper-parameters" | "rope" | "swapped-tensors" | "qk-permutation" | "norm-dropped" | "tensor-differs". */
  cause: string;
  /** The GGUF tensor or key concerned. */
  where: string;
  message: string;
}

/** Relative error a correct q8_0 (the coarsest measured type) stays well under. */
const SAME = 0.05;

const GGUF_NAME: Record<keyof LlamaLayerWeights, string> = {
  attentionNorm: "attn_norm",
  wq: "attn_q",
  wk: "attn_k",
  wv: "attn_v",
  wo: "attn_output",
  ffnNorm: "ffn_norm",
  w1: "ffn_gate",
  w2: "ffn_down",
  w3: "ffn_up",
};

/**
 * After the cross-check failed against the original weights: compare the GGUF's weights and settings
 * with the source's, tensor by tensor, and name what a converter got wrong (swapped same-shaped
 * tensors, q/k left in the other RoPE layout, a norm written as ones, a RoPE base or scaling that
 * differs, other hyper-parameters). Empty when every weight matches (then the engine is the suspect).
 */
export function diagnoseConversion(params: { source: ReferenceModel; gguf: ReferenceModel }): ConversionFinding[] {
  const { source, gguf } = params;
  const out: ConversionFinding[] = [];
  const s = source.config;
  const g = gguf.config;
  for (const key of ["dim", "nLayers", "nHeads", "nKvHeads", "hiddenDim", "vocabSize"] as const) {
    if (s[key] !== g[key])
      out.push({
        cause: "hyper-parameters",
        where: key,
        message: `${key} is ${g[key]} in the GGUF, ${s[key]} in the source`,
      });
  }
  if (out.length) return out;
  if (Math.abs(s.normEps - g.normEps) > 1e-3 * s.normEps)
    out.push({
      cause: "hyper-parameters",
      where: "llama.attention.layer_norm_rms_epsilon",
      message: `the RMSNorm epsilon is ${g.normEps} in the GGUF, ${s.normEps} in the source`,
    });
  const hd = s.dim / s.nHeads;
  const sf = effectiveFrequencies(source, hd);
  const gf = effectiveFrequencies(gguf, hd);
  const worst = sf.reduce((m, f, i) => Math.max(m, Math.abs(f - gf[i]!) / f), 0);
  if (worst > 1e-3) {
    const scaled = (m: ReferenceModel) => Boolean(m.config.ropeScaling || m.ropeDivisors);
    const what =
      s.ropeTheta !== g.ropeTheta
        ? `the RoPE base (theta) is ${g.ropeTheta} in the GGUF, ${s.ropeTheta} in the source`
        : `the RoPE scaling differs (source ${scaled(source) ? "scaled" : "unscaled"}, GGUF ${scaled(gguf) ? "scaled (rope_freqs)" : "unscaled"})`;
    out.push({ cause: "rope", where: "llama.rope.freq_base / rope_freqs", message: what });
  }
  const layout = (m: Matrix, from: ReferenceModel): Matrix =>
    from.ropeLayout === "interleaved" ? m : permuteRows(m, hd, "hf-to-meta");
  for (let l = 0; l < s.nLayers; l++) {
    const sl = source.weights.layers[l]!;
    const gl = gguf.weights.layers[l]!;
    const src = (k: keyof LlamaLayerWeights) => (k === "wq" || k === "wk" ? layout(sl[k] as Matrix, source) : sl[k]);
    const ggf = (k: keyof LlamaLayerWeights) => (k === "wq" || k === "wk" ? layout(gl[k] as Matrix, gguf) : gl[k]);
    for (const k of Object.keys(GGUF_NAME) as (keyof LlamaLayerWeights)[]) {
      const a = data(ggf(k));
      const b = data(src(k));
      if (relErr(a, b) <= SAME) continue;
      const where = `blk.${l}.${GGUF_NAME[k]}.weight`;
      const other = (Object.keys(GGUF_NAME) as (keyof LlamaLayerWeights)[]).find(
        (o) => o !== k && data(src(o)).length === a.length && relErr(a, data(src(o))) <= SAME,
      );
      if (other) {
        out.push({
          cause: "swapped-tensors",
          where,
          message: `${where} holds the source's ${GGUF_NAME[other]} of layer ${l} (${GGUF_NAME[k]}/${GGUF_NAME[other]} swapped)`,
        });
      } else if (
        (k === "wq" || k === "wk") &&
        relErr(a, data(permuteRows(src(k) as Matrix, hd, "meta-to-hf"))) <= SAME
      ) {
        out.push({
          cause: "qk-permutation",
          where,
          message: `${where} has its rows in the other RoPE layout (the q/k permutation between Meta/GGUF and Hugging Face order was not applied)`,
        });
      } else if ((k === "attentionNorm" || k === "ffnNorm") && a.every((x) => x === 1)) {
        out.push({
          cause: "norm-dropped",
          where,
          message: `${where} is all ones: the layer's norm weights were dropped`,
        });
      } else {
        out.push({
          cause: "tensor-differs",
          where,
          message: `${where} differs from the source (relative error ${relErr(a, b).toFixed(3)})`,
        });
      }
    }
  }
  for (const [name, a, b] of [
    ["token_embd.weight", gguf.weights.tokEmbeddings.data, source.weights.tokEmbeddings.data],
    ["output_norm.weight", gguf.weights.norm, source.weights.norm],
    ["output.weight", gguf.weights.output.data, source.weights.output.data],
  ] as const) {
    if (relErr(a, b) > SAME)
      out.push({
        cause: name === "output_norm.weight" && a.every((x) => x === 1) ? "norm-dropped" : "tensor-differs",
        where: name,
        message: `${name} differs from the source (relative error ${relErr(a, b).toFixed(3)})`,
      });
  }
  return out;
}

function data(x: Matrix | Float32Array): Float32Array {
  return x instanceof Float32Array ? x : x.data;
}

/** ||a - b|| / ||b|| (Infinity for different lengths). */
function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return n === 0 ? (d === 0 ? 0 : Infinity) : Math.sqrt(d / n);
}

function permuteRows(m: Matrix, headDim: number, direction: "meta-to-hf" | "hf-to-meta"): Matrix {
  const out = new Float32Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    const to = qkDestRow(r, headDim, direction);
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), to * m.cols);
  }
  return { rows: m.rows, cols: m.cols, data: out };
}

/** The rotation frequencies the model really uses (config scaling, or a GGUF's rope_freqs divisors). */
function effectiveFrequencies(m: ReferenceModel, headDim: number): Float64Array {
  const { freqs } = ropeFrequencies({ headDim, theta: m.config.ropeTheta, scaling: m.config.ropeScaling });
  if (m.config.ropeScaling || !m.ropeDivisors) return freqs;
  return freqs.map((f, i) => f / m.ropeDivisors![i]!);
}
