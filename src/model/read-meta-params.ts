import { join } from "node:path";
import { isLlamagateError } from "../core/errors.js";
import { MAX_CONFIG_JSON_BYTES, readCappedText } from "../formats/io/read-capped-text.js";
import { ConversionError } from "./errors.js";
import type { LlamaConfig } from "./llama-config.js";

/** Largest accepted size parameter (2^31 - 1). */
const MAX_PARAM = 2 ** 31 - 1;

/**
 * params.json of a Meta checkpoint, in camelCase, with Meta's ModelArgs defaults applied: LlamaConfig's
 * fields as written there (nKvHeads defaults to nHeads; vocabSize is -1 in Llama 1/2, where the tokenizer
 * decides), plus what the feed-forward width and RoPE are derived from.
 */
export interface MetaParams extends Pick<
  LlamaConfig,
  "dim" | "nLayers" | "nHeads" | "nKvHeads" | "vocabSize" | "normEps"
> {
  multipleOf: number;
  ffnDimMultiplier?: number;
  /** Absent in Llama 1/2 (θ = 10000). */
  ropeTheta?: number;
  /** Llama 3.1 scaled RoPE. */
  useScaledRope?: boolean;
}

export interface ReadMetaParamsParams {
  /** Folder holding params.json and consolidated.NN.pth. */
  dir: string;
}

/** Read and validate params.json; a missing or malformed file is a ConversionError naming it. */
export async function readMetaParams(params: ReadMetaParamsParams): Promise<MetaParams> {
  const file = join(params.dir, "params.json");
  let text: string;
  try {
    text = await readCappedText({ path: file, maxBytes: MAX_CONFIG_JSON_BYTES, what: file });
  } catch (e) {
    if (isLlamagateError(e))
      throw new ConversionError("BAD_PARAMS", e.message, { hint: "Download params.json again.", cause: e });
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConversionError(
      code === "ENOENT" ? "MISSING_PARAMS" : "UNREADABLE_PARAMS",
      `Cannot read ${file} (${code ?? "error"}).`,
      {
        hint: "A Meta checkpoint folder holds params.json next to consolidated.NN.pth; download it again or point at the model folder.",
        cause: e,
      },
    );
  }
  let raw: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    raw = parsed as Record<string, unknown>;
  } catch (e) {
    throw new ConversionError("BAD_PARAMS", `${file} is not a JSON object.`, {
      hint: "Download params.json again.",
      cause: e,
    });
  }
  const unsupported =
    raw["moe_args"] !== undefined
      ? "Llama 4 (mixture of experts, multimodal)"
      : Object.keys(raw).some((k) => k.startsWith("vision_"))
        ? "Llama 3.2 Vision (multimodal)"
        : undefined;
  if (unsupported) {
    throw new ConversionError(
      "UNSUPPORTED_MODEL",
      `${file} describes a ${unsupported} model; llamagate converts only the text-only Llama architecture.`,
      {
        hint: "Download, verify and license checks work for this model, but conversion does not: use Meta's llama-models or the Hugging Face release instead.",
      },
    );
  }
  const int = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new ConversionError(
        "BAD_PARAMS",
        `${file}: "${key}" must be an integer (got ${JSON.stringify(raw[key])}).`,
        {
          hint: "Download params.json again.",
        },
      );
    }
    return v;
  };
  const num = (key: string): number | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new ConversionError("BAD_PARAMS", `${file}: "${key}" must be a number.`, {
        hint: "Download params.json again.",
      });
    }
    return v;
  };
  const p: MetaParams = {
    dim: int("dim"),
    nLayers: int("n_layers"),
    nHeads: int("n_heads"),
    nKvHeads: int("n_kv_heads", raw["n_heads"] as number),
    vocabSize: int("vocab_size", -1),
    multipleOf: int("multiple_of", 256),
    normEps: num("norm_eps") ?? 1e-5,
  };
  const mult = num("ffn_dim_multiplier");
  if (mult !== undefined) p.ffnDimMultiplier = mult;
  const theta = num("rope_theta");
  if (theta !== undefined) p.ropeTheta = theta;
  if (raw["use_scaled_rope"] === true) p.useScaledRope = true;
  for (const [k, v] of [
    ["dim", p.dim],
    ["n_layers", p.nLayers],
    ["n_heads", p.nHeads],
    ["n_kv_heads", p.nKvHeads],
    ["multiple_of", p.multipleOf],
  ] as const) {
    if (v <= 0)
      throw new ConversionError("BAD_PARAMS", `${file}: "${k}" must be positive (got ${v}).`, {
        hint: "Download params.json again.",
      });
    // Every size is stored as a 32-bit integer (GGUF, safetensors shapes): larger is no real model.
    if (v > MAX_PARAM) {
      throw new ConversionError(
        "BAD_PARAMS",
        `${file}: "${k}" is ${v}, beyond any real model (at most ${MAX_PARAM}).`,
        {
          hint: "Download params.json again.",
        },
      );
    }
  }
  if (p.vocabSize > MAX_PARAM) {
    throw new ConversionError("BAD_PARAMS", `${file}: "vocab_size" is ${p.vocabSize}, beyond any real model.`, {
      hint: "Download params.json again.",
    });
  }
  if (p.dim % p.nHeads !== 0 || (p.dim / p.nHeads) % 2 !== 0 || p.nHeads % p.nKvHeads !== 0) {
    throw new ConversionError(
      "BAD_PARAMS",
      `${file}: dim ${p.dim}, n_heads ${p.nHeads} and n_kv_heads ${p.nKvHeads} do not form whole, even-sized heads.`,
      {
        hint: "Download params.json again.",
      },
    );
  }
  return p;
}
