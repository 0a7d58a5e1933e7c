/**
 * The model catalog: data only. Each entry says where a model lives (Meta folder, shard count,
 * Hugging Face repo) and which license family governs it. Code looks models up; it never branches
 * on model names.
 */

import { LLAMA3_AND_LATER } from "./llama3-models.js";

/** License families; their terms live in src/license (one data entry per family). */
export type LicenseFamilyId = "llama2" | "llama3" | "llama3.1" | "llama3.2" | "llama3.3" | "llama4";

/** How the Meta signed-URL download is laid out for a release line (see download.sh). */
export type MetaLayout =
  /**
   * Llama 2: LICENSE, USE_POLICY.md, tokenizer at top level; per model consolidated.NN.pth, params.json, checklist.chk
   */
  | "llama2"
  /** Code Llama: LICENSE, USE_POLICY.md at top level; tokenizer.model inside each model folder */
  | "codellama"
  /**
   * Llama 3.0 (meta-llama/llama3 download.sh): LICENSE, USE_POLICY at top level; per model, from a remote folder
   * such as 8b_pre_trained into a local one such as Meta-Llama-3-8B: consolidated.NN.pth, params.json,
   * tokenizer.model, checklist.chk
   */
  | "llama3"
  /**
   * Llama 3.1 and later (llama-stack's `llama download`): per model only, remote folder = local folder:
   * checklist.chk, tokenizer.model, params.json, fp8_scales_N.pt (fp8 variants), consolidated.NN.pth
   */
  | "llama-models";

export interface CatalogModel {
  /** Canonical name users type, e.g. "llama-2-7b-chat" or "codellama-34b-python". */
  name: string;
  /** Other accepted spellings (download.sh names such as "7B-chat"). Compared case-insensitively. */
  aliases: readonly string[];
  /** Human-readable title. */
  title: string;
  /** Release line, e.g. "Llama 2", "Code Llama". */
  series: string;
  /** Parameter count label, e.g. "7B". */
  size: string;
  license: LicenseFamilyId;
  /** True for models that take images (matters for the EU clause of Llama 3.2+ licenses). */
  multimodal: boolean;
  /** Release date of this model (ISO yyyy-mm-dd), as Meta announced it. */
  released: string;
  /** Hugging Face repo id of the transformers-format weights. */
  hfRepo: string;
  /**
   * Name of the model this entry is a Meta download variant of (405B bf16 MP8/MP16): same weights and HF repo,
   * so the repo id resolves to the main entry only.
   */
  variantOf?: string;
  /** Meta signed-URL download, when llamagate supports it for this model. */
  meta?: {
    layout: MetaLayout;
    /**
     * Local folder name (and remote, unless remoteFolder says otherwise), e.g. "llama-2-70b-chat" or "Llama-3.1-8B".
     */
    folder: string;
    /** Folder on Meta's CDN when it differs from the local one (Llama 3.0: "8b_pre_trained"). */
    remoteFolder?: string;
    /** fp8_scales_0.pt .. fp8_scales_{N-1}.pt beside the shards (fp8 variants of 405B and Maverick). */
    fp8Scales?: number;
    /** Exact bytes of each consolidated.NN.pth when Meta publishes it (llama-stack's llama_meta_pth_size). */
    shardBytes?: number;
    /** llama-stack model descriptor (`Llama3.1-8B-Instruct`, `Llama3.1-405B:bf16-mp16`): the folder it uses. */
    descriptor?: string;
    /** Number of consolidated.NN.pth shards (model-parallel size). */
    shards: number;
    /**
     * Approximate bytes of the consolidated.NN.pth shards together: 2 bytes (bf16) per parameter. A lower
     * bound used by the free-space preflight, since Meta's CDN does not answer HEAD requests for sizes.
     */
    weightBytes: number;
  };
}

/**
 * Parameter counts of the Llama 2 / Code Llama sizes (Llama 2 paper, table 1 footnotes; Code Llama adds 16 tokens of
 * vocab).
 */
const PARAMS = { "7B": 6.738e9, "13B": 13.016e9, "34B": 33.744e9, "70B": 68.977e9 } as const;

function llama2(size: "7B" | "13B" | "70B", chat: boolean): CatalogModel {
  const shards = { "7B": 1, "13B": 2, "70B": 8 }[size];
  const lower = size.toLowerCase();
  const folder = `llama-2-${lower}${chat ? "-chat" : ""}`;
  return {
    name: folder,
    aliases: [`${size}${chat ? "-chat" : ""}`, `Llama-2-${lower}${chat ? "-chat" : ""}-hf`],
    title: `Llama 2 ${size}${chat ? " Chat" : ""}`,
    series: "Llama 2",
    size,
    license: "llama2",
    multimodal: false,
    released: "2023-07-18",
    hfRepo: `meta-llama/Llama-2-${lower}${chat ? "-chat" : ""}-hf`,
    meta: { layout: "llama2", folder, shards, weightBytes: 2 * PARAMS[size] },
  };
}

function codeLlama(size: "7b" | "13b" | "34b" | "70b", variant: "" | "Python" | "Instruct"): CatalogModel {
  const shards = { "7b": 1, "13b": 2, "34b": 4, "70b": 8 }[size];
  const suffix = variant ? `-${variant}` : "";
  const folder = `CodeLlama-${size}${suffix}`;
  return {
    name: `codellama-${size}${suffix.toLowerCase()}`,
    // Bare "7b"/"13b"/"70b" would collide with Llama 2's "7B"/"13B"/"70B" (names compare case-insensitively,
    // and the Llama 2 entry always won), so only unambiguous download.sh names are aliases.
    aliases: [...(variant || size === "34b" ? [`${size}${suffix}`] : []), folder, `${folder}-hf`],
    title: `Code Llama ${size.toUpperCase()}${variant ? ` ${variant}` : ""}`,
    series: "Code Llama",
    size: size.toUpperCase(),
    license: "llama2",
    multimodal: false,
    // Code Llama 7B/13B/34B: 2023-08-24; the 70B models followed on 2024-01-29 (codellama "Updates for 70b release").
    released: size === "70b" ? "2024-01-29" : "2023-08-24",
    hfRepo: `meta-llama/${folder}-hf`,
    meta: { layout: "codellama", folder, shards, weightBytes: 2 * PARAMS[size.toUpperCase() as keyof typeof PARAMS] },
  };
}

export const CATALOG: readonly CatalogModel[] = [
  ...(["7B", "13B", "70B"] as const).flatMap((s) => [llama2(s, false), llama2(s, true)]),
  ...(["7b", "13b", "34b", "70b"] as const).flatMap((s) =>
    (["", "Python", "Instruct"] as const).map((v) => codeLlama(s, v)),
  ),
  ...LLAMA3_AND_LATER,
];
