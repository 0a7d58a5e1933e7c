/**
 * Llama 3, 3.1, 3.2, 3.3 and 4 models: data only. Each carries its license family, multimodal flag, Hugging Face
 * repo and Meta signed-URL layout (../shared/reference/llama3-formats.md §1): Llama 3.0 as meta-llama/llama3's
 * download.sh lays it out (remote 8b_pre_trained → local Meta-Llama-3-8B), 3.1 and later as llama-stack's
 * `llama download` (remote folder = last part of the HF repo id, 405B variants and fp8 scales, known shard sizes).
 */
import type { CatalogModel, LicenseFamilyId } from "./models.js";

interface Spec {
  /** Canonical name, lower-case. */
  name: string;
  /** Hugging Face repo id. */
  hfRepo: string;
  title: string;
  series: string;
  size: string;
  license: LicenseFamilyId;
  multimodal: boolean;
  released: string;
  /** Extra spellings: old HF names, llama-stack model descriptors. */
  aliases?: string[];
  meta?: CatalogModel["meta"];
  /** Main entry this one is a download variant of (its HF repo name is then not an alias here). */
  variantOf?: string;
}

/** Nominal parameter count from a size label ("8B" → 8e9): a lower bound of bf16 bytes / 2 for the space preflight. */
const nominal = (size: string): number => 1e9 * Number(/^(\d+(?:\.\d+)?)B/.exec(size)?.[1] ?? 0);

/** A llama-stack download entry (layout llama-models): folder = last part of the HF repo id unless given. */
function llamaModels(o: {
  hfRepo: string;
  size: string;
  shards: number;
  descriptor: string;
  folder?: string;
  fp8Scales?: number;
  shardBytes?: number;
}): NonNullable<CatalogModel["meta"]> {
  return {
    layout: "llama-models",
    folder: o.folder ?? o.hfRepo.split("/")[1]!,
    shards: o.shards,
    weightBytes: o.shardBytes ? o.shardBytes * o.shards : 2 * nominal(o.size),
    descriptor: o.descriptor,
    ...(o.fp8Scales ? { fp8Scales: o.fp8Scales } : {}),
    ...(o.shardBytes ? { shardBytes: o.shardBytes } : {}),
  };
}

function entry(s: Spec): CatalogModel {
  const base = s.hfRepo.split("/")[1]!;
  const aliases = [...(s.variantOf ? [] : [base]), ...(s.aliases ?? [])].filter((a) => a.toLowerCase() !== s.name);
  return {
    name: s.name,
    aliases,
    title: s.title,
    series: s.series,
    size: s.size,
    license: s.license,
    multimodal: s.multimodal,
    released: s.released,
    hfRepo: s.hfRepo,
    ...(s.meta ? { meta: s.meta } : {}),
    ...(s.variantOf ? { variantOf: s.variantOf } : {}),
  };
}

function llama3(size: "8B" | "70B", instruct: boolean): CatalogModel {
  const suffix = instruct ? "-Instruct" : "";
  return entry({
    name: `llama-3-${size.toLowerCase()}${suffix.toLowerCase()}`,
    hfRepo: `meta-llama/Meta-Llama-3-${size}${suffix}`,
    title: `Meta Llama 3 ${size}${instruct ? " Instruct" : ""}`,
    series: "Llama 3",
    size,
    license: "llama3",
    multimodal: false,
    released: "2024-04-18",
    aliases: [`Llama3-${size}${suffix}`],
    meta: {
      layout: "llama3",
      folder: `Meta-Llama-3-${size}${suffix}`,
      remoteFolder: `${size.toLowerCase()}_${instruct ? "instruction_tuned" : "pre_trained"}`,
      shards: size === "8B" ? 1 : 8,
      weightBytes: 2 * nominal(size),
    },
  });
}

/** 405B variants (llama-stack): fp8 (8 shards + fp8_scales), bf16 in 8 shards (MP8) or 16 (MP16). */
type Variant405 = "fp8" | "mp8" | "mp16";
const VARIANT_405: Record<
  Variant405,
  { folderSuffix: string; shards: number; shardBytes: number; descriptor: string }
> = {
  fp8: { folderSuffix: "", shards: 8, shardBytes: 60_903_742_309, descriptor: "" },
  mp8: { folderSuffix: "-MP8", shards: 8, shardBytes: 101_470_976_045, descriptor: ":bf16-mp8" },
  mp16: { folderSuffix: "-MP16", shards: 16, shardBytes: 51_268_302_389, descriptor: ":bf16-mp16" },
};

function llama31(size: "8B" | "70B" | "405B", instruct: boolean, variant: Variant405 = "fp8"): CatalogModel {
  const suffix = instruct ? "-Instruct" : "";
  const v = size === "405B" ? VARIANT_405[variant] : undefined;
  const hfRepo = `meta-llama/Llama-3.1-${size}${suffix}`;
  const descriptor = `Llama3.1-${size}${suffix}${v?.descriptor ?? ""}`;
  if (v && variant !== "fp8") {
    const folder = `Llama-3.1-${size}${suffix}${v.folderSuffix}`;
    return entry({
      name: folder.toLowerCase(),
      hfRepo,
      title: `Llama 3.1 ${size}${instruct ? " Instruct" : ""} (bf16, ${v.shards} shards)`,
      series: "Llama 3.1",
      size,
      license: "llama3.1",
      multimodal: false,
      released: "2024-07-23",
      aliases: [folder, descriptor, `Meta-Llama-3.1-${size}${suffix}${v.folderSuffix}`],
      meta: llamaModels({ hfRepo, size, descriptor, folder, shards: v.shards, shardBytes: v.shardBytes }),
      variantOf: `llama-3.1-${size.toLowerCase()}${suffix.toLowerCase()}`,
    });
  }
  return entry({
    name: `llama-3.1-${size.toLowerCase()}${suffix.toLowerCase()}`,
    hfRepo: `meta-llama/Llama-3.1-${size}${suffix}`,
    title: `Llama 3.1 ${size}${instruct ? " Instruct" : ""}`,
    series: "Llama 3.1",
    size,
    license: "llama3.1",
    multimodal: false,
    released: "2024-07-23",
    // The HF repos were first published as Meta-Llama-3.1-*; llama-stack calls them Llama3.1-*.
    aliases: [
      `Meta-Llama-3.1-${size}${suffix}`,
      `meta-llama/Meta-Llama-3.1-${size}${suffix}`,
      `Llama3.1-${size}${suffix}`,
    ],
    meta: llamaModels({
      hfRepo,
      size,
      descriptor,
      shards: v?.shards ?? (size === "8B" ? 1 : 8),
      ...(v ? { fp8Scales: 8, shardBytes: v.shardBytes } : {}),
    }),
  });
}

function llama32(size: "1B" | "3B" | "11B" | "90B", instruct: boolean): CatalogModel {
  const vision = size === "11B" || size === "90B";
  const suffix = `${vision ? "-Vision" : ""}${instruct ? "-Instruct" : ""}`;
  return entry({
    name: `llama-3.2-${size.toLowerCase()}${suffix.toLowerCase()}`,
    hfRepo: `meta-llama/Llama-3.2-${size}${suffix}`,
    title: `Llama 3.2 ${size}${vision ? " Vision" : ""}${instruct ? " Instruct" : ""}`,
    series: "Llama 3.2",
    size,
    license: "llama3.2",
    multimodal: vision,
    released: "2024-09-25",
    aliases: [`Llama3.2-${size}${suffix}`],
    meta: llamaModels({
      hfRepo: `meta-llama/Llama-3.2-${size}${suffix}`,
      size,
      descriptor: `Llama3.2-${size}${suffix}`,
      shards: size === "90B" ? 8 : 1,
    }),
  });
}

function llama4(variant: "Scout" | "Maverick", instruct: boolean): CatalogModel {
  const experts = variant === "Scout" ? "16E" : "128E";
  const suffix = instruct ? "-Instruct" : "";
  const base = `Llama-4-${variant}-17B-${experts}${suffix}`;
  return entry({
    name: base.toLowerCase(),
    hfRepo: `meta-llama/${base}`,
    title: `Llama 4 ${variant} 17B-${experts}${instruct ? " Instruct" : ""}`,
    series: "Llama 4",
    size: `17B-${experts}`,
    license: "llama4",
    // Llama 4 models are natively multimodal (text + image input).
    multimodal: true,
    released: "2025-04-05",
    aliases: [`llama-4-${variant.toLowerCase()}${instruct ? "-instruct" : ""}`],
    // Scout's shard size is not published (llama-stack falls back to HEAD); Maverick's bf16 sizes are.
    meta: llamaModels({
      hfRepo: `meta-llama/${base}`,
      size: "0B",
      descriptor: base,
      shards: 8,
      ...(variant === "Maverick" ? { shardBytes: instruct ? 100_426_653_046 : 100_458_118_386 } : {}),
    }),
  });
}

const bothVariants = <S>(sizes: readonly S[], make: (s: S, instruct: boolean) => CatalogModel): CatalogModel[] =>
  sizes.flatMap((s) => [make(s, false), make(s, true)]);

export const LLAMA3_AND_LATER: readonly CatalogModel[] = [
  ...bothVariants(["8B", "70B"] as const, llama3),
  ...bothVariants(["8B", "70B", "405B"] as const, llama31),
  ...(["mp8", "mp16"] as const).flatMap((v) => [llama31("405B", false, v), llama31("405B", true, v)]),
  ...bothVariants(["1B", "3B", "11B", "90B"] as const, llama32),
  entry({
    name: "llama-3.3-70b-instruct",
    hfRepo: "meta-llama/Llama-3.3-70B-Instruct",
    title: "Llama 3.3 70B Instruct",
    series: "Llama 3.3",
    size: "70B",
    license: "llama3.3",
    multimodal: false,
    released: "2024-12-06",
    aliases: ["Llama3.3-70B-Instruct"],
    meta: llamaModels({
      hfRepo: "meta-llama/Llama-3.3-70B-Instruct",
      size: "70B",
      descriptor: "Llama3.3-70B-Instruct",
      shards: 8,
    }),
  }),
  ...bothVariants(["Scout", "Maverick"] as const, llama4),
];
