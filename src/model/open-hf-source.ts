import { stat } from "node:fs/promises";
import { llama3RopeScaling, type RopeScaling } from "./llama-config.js";
import { join } from "node:path";
import { isLlamagateError } from "../core/errors.js";
import { MAX_CONFIG_JSON_BYTES, MAX_LARGE_JSON_BYTES, readCappedText } from "../formats/io/read-capped-text.js";
import { openSafetensors } from "../formats/safetensors/index.js";
import { checkTensorSet, unknownTensorError } from "./check-tensor-set.js";
import { ConversionError } from "./errors.js";
import { findTokenizer } from "./find-tokenizer.js";
import { mapTensorName } from "./map-tensor-name.js";
import type { SourceModel, SourceTensor } from "./source-model.js";

/** Open a Hugging Face Llama snapshot (config.json + safetensors) as a SourceModel with canonical names. */
export async function openHfSource(params: {
  /** Snapshot folder with config.json and model*.safetensors (+ index when sharded). */
  dir: string;
  signal?: AbortSignal;
}): Promise<SourceModel> {
  const { dir, signal } = params;
  const cfgPath = join(dir, "config.json");
  let cfg: Record<string, unknown>;
  try {
    const text = await readCappedText({ path: cfgPath, maxBytes: MAX_CONFIG_JSON_BYTES, what: cfgPath });
    cfg = JSON.parse(text) as Record<string, unknown>;
    if (typeof cfg !== "object" || cfg === null || Array.isArray(cfg)) throw new Error("not an object");
  } catch (e) {
    const why = isLlamagateError(e) ? e.message : `Cannot read ${cfgPath} as a JSON object.`;
    throw new ConversionError("BAD_HF_CONFIG", why, { hint: "Download config.json again.", cause: e });
  }
  if (cfg["model_type"] === "llama4" || cfg["model_type"] === "mllama") {
    throw new ConversionError(
      "UNSUPPORTED_MODEL",
      `config.json has model_type "${String(cfg["model_type"])}" (${cfg["model_type"] === "mllama" ? "Llama 3.2 Vision" : "Llama 4"}), which llamagate cannot convert.`,
      {
        hint: "Only text-only Llama models (model_type llama) can be converted; download and verify work for this one.",
      },
    );
  }
  if (cfg["model_type"] !== "llama") {
    throw new ConversionError(
      "NOT_LLAMA",
      `config.json has model_type ${JSON.stringify(cfg["model_type"])}; only "llama" models can be converted.`,
      {
        hint: "Point at a Llama model snapshot.",
      },
    );
  }
  const int = (key: string, fallback?: number): number => {
    const v = cfg[key] ?? fallback;
    // 2^31 - 1: every size is stored as a 32-bit integer downstream; larger is no real model.
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > 2 ** 31 - 1) {
      throw new ConversionError(
        "BAD_HF_CONFIG",
        `config.json: "${key}" must be a positive integer below 2^31 (got ${JSON.stringify(cfg[key])}).`,
        {
          hint: "Download config.json again.",
        },
      );
    }
    return v;
  };
  const nHeads = int("num_attention_heads");
  const ropeParams = cfg["rope_parameters"] as Record<string, unknown> | undefined; // transformers v5
  const theta = (cfg["rope_theta"] ?? ropeParams?.["rope_theta"] ?? 10000) as number;
  const scaling = (cfg["rope_scaling"] ?? ropeParams) as Record<string, unknown> | null | undefined;
  const eos = Array.isArray(cfg["eos_token_id"]) ? (cfg["eos_token_id"] as number[])[0] : cfg["eos_token_id"];
  const dims = {
    dim: int("hidden_size"),
    nLayers: int("num_hidden_layers"),
    nHeads,
    nKvHeads: int("num_key_value_heads", nHeads),
    hiddenDim: int("intermediate_size"),
    vocabSize: int("vocab_size"),
    normEps: typeof cfg["rms_norm_eps"] === "number" ? (cfg["rms_norm_eps"] as number) : 1e-6,
    ropeTheta: theta,
    contextLength: int("max_position_embeddings", 2048),
    ...(scaling && (scaling["rope_type"] ?? scaling["type"]) === "llama3"
      ? { ropeScaling: readLlama3Scaling(scaling) }
      : {}),
    ...(cfg["tie_word_embeddings"] === true ? { tieWordEmbeddings: true } : {}),
  };
  const st = await openSafetensors({ path: dir, ...(signal ? { signal } : {}) });
  try {
    const tensors: SourceTensor[] = [];
    for (const t of st.tensors) {
      const canonical = mapTensorName({ name: t.name, from: "hf", to: "meta" });
      if (!canonical) {
        // a buffer some exports keep (transformers recomputes it); any other unknown weight is refused
        if (/^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/.test(t.name)) continue;
        throw unknownTensorError(t.name);
      }
      if (t.dtype !== "F32" && t.dtype !== "F16" && t.dtype !== "BF16") {
        throw new ConversionError(
          "UNSUPPORTED_DTYPE",
          `Tensor ${t.name} is ${t.dtype}; only F32, F16 and BF16 weights can be converted.`,
          {
            hint: "Quantized or integer checkpoints cannot be converted; use the original float weights.",
          },
        );
      }
      tensors.push({ canonical, shape: [...t.shape], dtype: t.dtype, parts: [t], concatDim: 0 });
    }
    if (!tensors.some((t) => t.canonical === "tok_embeddings.weight")) {
      throw new ConversionError(
        "NOT_LLAMA",
        `${dir} has no model.embed_tokens.weight; it does not look like a Llama checkpoint.`,
        {
          hint: "Point at a Llama model snapshot.",
        },
      );
    }
    checkTensorSet({
      tensors: tensors.map((t) => ({
        canonical: t.canonical,
        shape: t.shape,
        name: mapTensorName({ name: t.canonical, from: "meta", to: "hf" }) ?? t.canonical,
      })),
      dims,
      configName: "config.json",
    });
    const headDim = cfg["head_dim"];
    if (headDim !== undefined && headDim !== null && headDim !== dims.dim / dims.nHeads) {
      throw new ConversionError(
        "UNSUPPORTED_CONFIG",
        `config.json: head_dim ${JSON.stringify(headDim)} differs from hidden_size / num_attention_heads (${dims.dim / dims.nHeads}); such models are not supported.`,
        {
          hint: "Only Llama models whose head size is hidden_size / num_attention_heads can be converted.",
        },
      );
    }
    const tokenizerPath = await findTokenizer({ dir, searchParent: false });
    const chatTemplate = await readChatTemplate(join(dir, "tokenizer_config.json"));
    const tokenizerJson = join(dir, "tokenizer.json");
    const hasTokenizerJson = await stat(tokenizerJson).then(
      (s) => s.isFile(),
      () => false,
    );
    const tiktoken = dims.vocabSize >= 128000 && hasTokenizerJson;
    return {
      kind: "hf",
      dir,
      dims,
      ropeLayout: "half-split",
      tensors,
      ...(tokenizerPath ? { tokenizerPath } : {}),
      ...(chatTemplate ? { chatTemplate } : {}),
      ...(hasTokenizerJson ? { tokenizerJsonPath: tokenizerJson } : {}),
      ...(tiktoken ? { tiktoken: true } : {}),
      bosTokenId: typeof cfg["bos_token_id"] === "number" ? (cfg["bos_token_id"] as number) : 1,
      eosTokenId: typeof eos === "number" ? eos : 2,
      shardCount: 1,
      close: () => st.close(),
    };
  } catch (e) {
    await st.close();
    throw e;
  }
}

/** transformers' rope_scaling {rope_type: llama3, factor, low/high_freq_factor, original_max_position_embeddings}. */
function readLlama3Scaling(s: Record<string, unknown>): RopeScaling {
  const d = llama3RopeScaling();
  const num = (k: string, fallback: number) =>
    typeof s[k] === "number" && Number.isFinite(s[k]) ? (s[k] as number) : fallback;
  return {
    factor: num("factor", d.factor),
    lowFreqFactor: num("low_freq_factor", d.lowFreqFactor),
    highFreqFactor: num("high_freq_factor", d.highFreqFactor),
    originalContext: num("original_max_position_embeddings", d.originalContext),
  };
}

/**
 * tokenizer_config.json's chat_template when it is a plain string (absent or unreadable: none;
 * absurdly large: refused).
 */
async function readChatTemplate(path: string): Promise<string | undefined> {
  try {
    const text = await readCappedText({ path, maxBytes: MAX_LARGE_JSON_BYTES, what: path });
    const cfg = JSON.parse(text) as Record<string, unknown>;
    return typeof cfg["chat_template"] === "string" ? cfg["chat_template"] : undefined;
  } catch (e) {
    if (isLlamagateError(e) && e.code === "FILE_TOO_LARGE") throw e;
    return undefined;
  }
}
