import { LlamagateError } from "../core/errors.js";
import type { LlamaConfig, LlamaLayerWeights, Matrix, ReferenceModel, RopeLayout } from "./types.js";

/** One tensor handed to the reference model: row-major shape and f32 values. */
export interface CanonicalTensor {
  shape: readonly number[];
  data: Float32Array;
}

export interface BuildReferenceModelParams {
  /** Model hyper-parameters. */
  config: LlamaConfig;
  /** Order of q/k rows in the weights given ("interleaved" = Meta/GGUF, "half-split" = HF). */
  ropeLayout: RopeLayout;
  /**
   * Fetch a tensor by its canonical (Meta) name: `tok_embeddings.weight`, `norm.weight`,
   * `output.weight`, `layers.N.attention.w{q,k,v,o}.weight`, `layers.N.feed_forward.w{1,2,3}.weight`,
   * `layers.N.attention_norm.weight`, `layers.N.ffn_norm.weight`. Returns undefined when absent.
   */
  get: (name: string) => Promise<CanonicalTensor | undefined>;
}

/** Load every weight through the accessor, checking each shape against the config. */
export async function buildReferenceModel(params: BuildReferenceModelParams): Promise<ReferenceModel> {
  const { config: c, ropeLayout, get } = params;
  const hd = c.dim / c.nHeads;
  const kvd = hd * c.nKvHeads;
  const need = async (name: string, shape: number[]): Promise<CanonicalTensor> => {
    const t = await get(name);
    if (!t) throw new LlamagateError("REFERENCE_MISSING_TENSOR", "conversion", `The model has no tensor ${name}.`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new LlamagateError(
        "REFERENCE_SHAPE_MISMATCH",
        "conversion",
        `Tensor ${name} has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}] from the model config.`,
      );
    }
    if (t.data.length !== shape.reduce((a, b) => a * b, 1))
      throw new RangeError(`tensor ${name} has the wrong element count`);
    return t;
  };
  const mat = async (name: string, rows: number, cols: number): Promise<Matrix> => ({
    rows,
    cols,
    data: (await need(name, [rows, cols])).data,
  });
  const vec = async (name: string, n: number): Promise<Float32Array> => (await need(name, [n])).data;

  const layers: LlamaLayerWeights[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `layers.${l}.`;
    layers.push({
      attentionNorm: await vec(p + "attention_norm.weight", c.dim),
      wq: await mat(p + "attention.wq.weight", c.dim, c.dim),
      wk: await mat(p + "attention.wk.weight", kvd, c.dim),
      wv: await mat(p + "attention.wv.weight", kvd, c.dim),
      wo: await mat(p + "attention.wo.weight", c.dim, c.dim),
      ffnNorm: await vec(p + "ffn_norm.weight", c.dim),
      w1: await mat(p + "feed_forward.w1.weight", c.hiddenDim, c.dim),
      w2: await mat(p + "feed_forward.w2.weight", c.dim, c.hiddenDim),
      w3: await mat(p + "feed_forward.w3.weight", c.hiddenDim, c.dim),
    });
  }
  const tokEmbeddings = await mat("tok_embeddings.weight", c.vocabSize, c.dim);
  // Tied embeddings (no output.weight, or tie_word_embeddings) reuse the embedding matrix, as llama.cpp and
  // transformers do.
  const output =
    !c.tieWordEmbeddings && (await get("output.weight"))
      ? await mat("output.weight", c.vocabSize, c.dim)
      : tokEmbeddings;
  const ropeFreqs = await get("rope_freqs.weight");
  return {
    config: c,
    ropeLayout,
    ...(ropeFreqs ? { ropeDivisors: (await need("rope_freqs.weight", [hd / 2])).data } : {}),
    weights: { tokEmbeddings, layers, norm: await vec("norm.weight", c.dim), output },
  };
}
