import { ConversionError } from "./errors.js";
import type { ModelDims } from "./source-model.js";

// Per-layer tensors (canonical names) and the shape each must have, from the config's dimensions.
type Dims = Pick<ModelDims, "dim" | "nHeads" | "nKvHeads" | "hiddenDim" | "vocabSize">;
const LAYER_SHAPES: Readonly<Record<string, (d: Dims, hd: number) => number[]>> = {
  "attention.wq.weight": (d, hd) => [d.nHeads * hd, d.dim],
  "attention.wk.weight": (d, hd) => [d.nKvHeads * hd, d.dim],
  "attention.wv.weight": (d, hd) => [d.nKvHeads * hd, d.dim],
  "attention.wo.weight": (d, hd) => [d.dim, d.nHeads * hd],
  "feed_forward.w1.weight": (d) => [d.hiddenDim, d.dim],
  "feed_forward.w2.weight": (d) => [d.dim, d.hiddenDim],
  "feed_forward.w3.weight": (d) => [d.hiddenDim, d.dim],
  "attention_norm.weight": (d) => [d.dim],
  "ffn_norm.weight": (d) => [d.dim],
};
const GLOBAL_SHAPES: Readonly<Record<string, (d: Dims) => number[]>> = {
  "tok_embeddings.weight": (d) => [d.vocabSize, d.dim],
  "norm.weight": (d) => [d.dim],
  // optional: tied embeddings reuse tok_embeddings
  "output.weight": (d) => [d.vocabSize, d.dim],
};

/**
 * Check that a checkpoint holds exactly the tensors its config implies, with the shapes it implies:
 * every tensor is a Llama weight (named as given), layers 0..n_layers-1 each have all nine weights
 * and no layer lies beyond, the embedding has vocab_size rows, and q/k/v/o, the feed-forward and the
 * norms match hidden size, head counts and head dim. Names the first tensor that is missing, extra
 * or misshapen. Never enumerates n_layers, however large the config says it is.
 */
export function checkTensorSet(params: {
  /** Canonical (Meta) name, full shape, and the name to report (the source's own). */
  tensors: readonly { canonical: string; shape: readonly number[]; name?: string }[];
  dims: Dims & { nLayers: number };
  /** The config file the dimensions come from, for messages: params.json or config.json. */
  configName: string;
}): void {
  const { tensors, dims: d, configName } = params;
  const code = configName === "params.json" ? "PARAMS_MISMATCH" : "CONFIG_MISMATCH";
  const hint = `${configName} does not belong to these weights: download the model's files again.`;
  const hd = d.dim / d.nHeads;
  if (!Number.isInteger(hd) || hd % 2 !== 0 || d.nHeads % d.nKvHeads !== 0) {
    throw new ConversionError(
      "BAD_CONFIG",
      `${configName}: hidden size ${d.dim}, ${d.nHeads} heads and ${d.nKvHeads} key/value heads do not form whole, even-sized heads.`,
      { hint },
    );
  }
  const byName = new Map<string, readonly number[]>();
  let lastLayer = -1;
  for (const t of tensors) {
    const shown = t.name ?? t.canonical;
    const m = /^layers\.(\d+)\.(.+)$/.exec(t.canonical);
    const known = m
      ? String(Number(m[1])) === m[1] && Object.hasOwn(LAYER_SHAPES, m[2]!)
      : Object.hasOwn(GLOBAL_SHAPES, t.canonical);
    if (!known) throw unknownTensorError(shown);
    if (m) {
      const layer = Number(m[1]);
      if (layer >= d.nLayers) {
        throw new ConversionError(
          code,
          `${configName} gives ${d.nLayers} layers, but the checkpoint also holds ${shown} (layer ${layer}).`,
          { hint },
        );
      }
      lastLayer = Math.max(lastLayer, layer);
    }
    byName.set(t.canonical, t.shape);
  }
  const check = (name: string, want: number[], optional = false) => {
    const shape = byName.get(name);
    if (!shape) {
      if (optional) return;
      const tail = /^layers\./.test(name)
        ? ` (${configName} gives ${d.nLayers} layers; the checkpoint holds ${lastLayer + 1})`
        : "";
      throw new ConversionError("MISSING_TENSOR", `The checkpoint has no ${name}${tail}.`, { hint });
    }
    if (shape.length !== want.length || shape.some((n, i) => n !== want[i])) {
      throw new ConversionError(
        code,
        `${name} has shape [${shape.join(", ")}], but ${configName} implies [${want.join(", ")}] (hidden size ${d.dim}, ${d.nHeads} heads of ${hd}, ${d.nKvHeads} key/value heads, feed-forward ${d.hiddenDim}, vocabulary ${d.vocabSize}).`,
        { hint },
      );
    }
  };
  for (const [name, shape] of Object.entries(GLOBAL_SHAPES)) check(name, shape(d), name === "output.weight");
  // a missing layer is found at or before lastLayer + 1, so this never walks a huge n_layers
  const layers = Math.min(d.nLayers, lastLayer + 2);
  for (let l = 0; l < layers; l++) {
    for (const [suffix, shape] of Object.entries(LAYER_SHAPES)) check(`layers.${l}.${suffix}`, shape(d, hd));
  }
}

/** The one refusal for a tensor that is not a Llama weight (both readers use it, so they agree). */
export function unknownTensorError(name: string): ConversionError {
  return new ConversionError(
    "UNKNOWN_TENSOR",
    `The checkpoint holds a tensor ${JSON.stringify(name)}, which is not part of a Llama model; it is refused rather than dropped.`,
    {
      hint: "Point at an unmodified Llama checkpoint (adapters, biases and other extra weights are not supported).",
    },
  );
}
