import { ConversionError } from "./errors.js";
import { llama3RopeScaling, type RopeScaling } from "./llama-config.js";

/** Llama 3 releases that share the architecture but differ in RoPE scaling, context, ties and templates. */
export type Llama3Version = "3" | "3.1" | "3.2" | "3.3";

export const LLAMA3_VERSIONS: readonly Llama3Version[] = ["3", "3.1", "3.2", "3.3"];

/** What a Llama 3.x release adds to the dims in params.json (transformers' convert_llama_weights_to_hf). */
export interface Llama3Release {
  version: Llama3Version;
  /** rope_scaling: none for 3.0; factor 8 for 3.1/3.3, 32 for 3.2 (HF configs). */
  ropeScaling?: RopeScaling;
  /** max_position_embeddings: 8192 for 3.0, 131072 from 3.1. */
  contextLength: number;
  /** Llama 3.2 1B/3B share the embedding and output matrices. */
  tieWordEmbeddings: boolean;
}

/** The config additions of a release for a model of width `dim`. */
export function llama3Release(version: Llama3Version, dim: number): Llama3Release {
  if (version === "3") return { version, contextLength: 8192, tieWordEmbeddings: false };
  return {
    version,
    ropeScaling: llama3RopeScaling(version === "3.2" ? 32 : 8),
    contextLength: 131072,
    tieWordEmbeddings: version === "3.2" && dim <= 3072,
  };
}

export interface DetectLlama3VersionParams {
  /** Model folder name (e.g. Meta-Llama-3-8B, Llama-3.1-8B-Instruct, Llama3.2-1B). */
  folderName: string;
  /** params.json use_scaled_rope. */
  useScaledRope: boolean;
  /** params.json dim. */
  dim: number;
  /** The user's --llama-version; wins over everything. */
  override?: Llama3Version | undefined;
}

/**
 * Which Llama 3 release a Meta checkpoint is: --llama-version, else the folder name, else params.json
 * (no use_scaled_rope = 3.0; scaled with dim 2048/3072 = 3.2; 4096 or 16384 = 3.1). A scaled 70B
 * (dim 8192) is 3.1 or 3.3, which only the name tells: that is an error naming the flag.
 */
export function detectLlama3Version(params: DetectLlama3VersionParams): Llama3Version {
  const { folderName, useScaledRope, dim, override } = params;
  if (override) return override;
  const m = /llama[-_ ]?3(?:\.(\d))?(?![\d.])/i.exec(folderName);
  if (m) {
    const named = (m[1] ? `3.${m[1]}` : "3") as Llama3Version;
    if (LLAMA3_VERSIONS.includes(named)) {
      if ((named === "3") === useScaledRope) {
        throw new ConversionError(
          "LLAMA_VERSION_CONFLICT",
          `The folder name says Llama ${named}, but params.json ${useScaledRope ? "sets" : "does not set"} use_scaled_rope.`,
          { hint: `Pass --llama-version ${LLAMA3_VERSIONS.join("|")} to say which release these weights are.` },
        );
      }
      return named;
    }
  }
  if (!useScaledRope) return "3";
  if (dim === 2048 || dim === 3072) return "3.2";
  if (dim === 4096 || dim === 16384) return "3.1";
  throw new ConversionError(
    "AMBIGUOUS_LLAMA_VERSION",
    `Cannot tell which Llama 3 release ${folderName} is (params.json fits ${dim === 8192 ? "3.1 and 3.3" : "3.1, 3.2 and 3.3"}).`,
    { hint: "Pass --llama-version 3.1, 3.2 or 3.3 (or keep Meta's folder name, e.g. Llama-3.3-70B-Instruct)." },
  );
}
