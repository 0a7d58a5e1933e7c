import { LlamagateError } from "../core/errors.js";
import { dequantizeQ8_0, toFloat32 } from "../formats/dtype/index.js";
import type { GgufFile } from "../formats/gguf/index.js";
import { mapTensorName } from "../model/map-tensor-name.js";
import type { ReferenceWeights } from "./reference-weights.js";

/**
 * The reference's view of an opened llama GGUF: hyper-parameters from the llama.* keys, and each
 * tensor dequantized (F32/F16/BF16/Q8_0) to f32 under its canonical name when asked for, dims
 * un-reversed, q/k in llama.cpp's (Meta's interleaved) order. Nothing is read until `get`.
 */
export function ggufReferenceWeights(params: {
  /** An opened GGUF; the caller closes it. */
  file: GgufFile;
  /** Its path, for messages. */
  path: string;
  signal?: AbortSignal;
}): ReferenceWeights {
  const { file, path, signal } = params;
  const meta = (key: string): number => {
    const e = file.metadata.get(key);
    if (!e || e.type === "array" || e.type === "string" || e.type === "bool") {
      throw new LlamagateError("GGUF_MISSING_KEY", "conversion", `${path} has no numeric ${key}.`, {
        hint: "Only llama GGUF files can be run by the reference.",
      });
    }
    return Number(e.value);
  };
  const arch = file.metadata.get("general.architecture");
  if (arch?.value !== "llama") {
    throw new LlamagateError("GGUF_NOT_LLAMA", "conversion", `${path} is a ${String(arch?.value)} model, not llama.`, {
      hint: "Only llama GGUF files can be run by the reference.",
    });
  }
  const embd = file.get("token_embd.weight");
  const config = {
    dim: meta("llama.embedding_length"),
    nLayers: meta("llama.block_count"),
    nHeads: meta("llama.attention.head_count"),
    nKvHeads: file.metadata.has("llama.attention.head_count_kv")
      ? meta("llama.attention.head_count_kv")
      : meta("llama.attention.head_count"),
    hiddenDim: meta("llama.feed_forward_length"),
    vocabSize: embd ? Number(embd.ne[1]) : 0,
    normEps: meta("llama.attention.layer_norm_rms_epsilon"),
    ropeTheta: file.metadata.has("llama.rope.freq_base") ? meta("llama.rope.freq_base") : 10000,
  };
  const byCanonical = new Map(
    file.tensors.map((t) => [mapTensorName({ name: t.name, from: "gguf", to: "meta" }) ?? t.name, t]),
  );
  return {
    config,
    ropeLayout: "interleaved",
    get: async (name) => {
      const t = byCanonical.get(name);
      if (!t) return undefined;
      const bytes = await t.read(signal);
      const type = t.ggmlType;
      const data = type === "Q8_0" ? dequantizeQ8_0(bytes) : toFloat32(bytes, type);
      return { shape: [...t.ne].reverse(), data };
    },
    getRaw: async (name) => {
      const t = byCanonical.get(name);
      if (!t) return undefined;
      const bytes = await t.read(signal);
      const type = t.ggmlType;
      const shape = [...t.ne].reverse();
      if (type === "F32" || type === "F16" || type === "BF16") return { shape, dtype: type, bytes };
      const data = type === "Q8_0" ? dequantizeQ8_0(bytes) : toFloat32(bytes, type);
      return { shape, dtype: "F32", bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    },
  };
}
