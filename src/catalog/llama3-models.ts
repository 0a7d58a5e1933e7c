/**
 * Llama 3, 3.1, 3.2, 3.3 and 4 models: data only. They carry their license family, multimodal flag
 * and Hugging Face repo so the license check covers them; none has a `meta` entry yet because the
 * Meta signed-URL layouts of these releases (remote folders differ from local ones, 405B chunking,
 * fp8 scales) are not implemented, and a wrong layout would download the wrong paths.
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
}

function entry(s: Spec): CatalogModel {
  const base = s.hfRepo.split("/")[1]!;
  const aliases = [base, ...(s.aliases ?? [])].filter((a) => a.toLowerCase() !== s.name);
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
  });
}

function llama31(size: "8B" | "70B" | "405B", instruct: boolean): CatalogModel {
  const suffix = instruct ? "-Instruct" : "";
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
    aliases: [`Meta-Llama-3.1-${size}${suffix}`, `meta-llama/Meta-Llama-3.1-${size}${suffix}`, `Llama3.1-${size}${suffix}`],
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
  });
}

const bothVariants = <S>(sizes: readonly S[], make: (s: S, instruct: boolean) => CatalogModel): CatalogModel[] =>
  sizes.flatMap((s) => [make(s, false), make(s, true)]);

export const LLAMA3_AND_LATER: readonly CatalogModel[] = [
  ...bothVariants(["8B", "70B"] as const, llama3),
  ...bothVariants(["8B", "70B", "405B"] as const, llama31),
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
  }),
  ...bothVariants(["Scout", "Maverick"] as const, llama4),
];
