import { join } from "node:path";
import type { CatalogModel, MetaLayout } from "../../catalog/models.js";
import { UsageError } from "../../core/errors.js";

/** What a planned file is; decides nothing but display and grouping. */
export type MetaFileKind = "license" | "use-policy" | "tokenizer" | "checklist" | "weights" | "params";

export interface MetaPlanFile {
  /** Path relative to the URL's `*` and to `dir`, e.g. "llama-2-7b/consolidated.00.pth". */
  path: string;
  /** Absolute destination. */
  destPath: string;
  kind: MetaFileKind;
  /** `path` of the checklist that lists this file's md5 (undefined: no checklist covers it). */
  checklist: string | undefined;
  /** Catalog name of the model this file belongs to (undefined for top-level files). */
  model: string | undefined;
}

export interface MetaPlanChecklist {
  /** e.g. "llama-2-7b/checklist.chk" or "tokenizer_checklist.chk". */
  path: string;
  destPath: string;
  /** Folder the checklist's entries are relative to ("" for the top level). */
  folder: string;
}

export interface MetaPlan {
  layout: MetaLayout;
  /** Destination folder (absolute). */
  dir: string;
  /** Every file, in download.sh's order. */
  files: MetaPlanFile[];
  /** The checklists among `files`; they are fetched first so every other file is verified as it arrives. */
  checklists: MetaPlanChecklist[];
}

export interface BuildMetaPlanParams {
  /** Models to fetch (catalog entries; duplicates are fetched once). */
  models: readonly CatalogModel[];
  /** Destination folder (resolved to an absolute path by the caller). */
  dir: string;
}

/**
 * The exact file list and layout of Meta's download.sh: Llama 2 puts LICENSE, USE_POLICY.md, tokenizer.model and
 * tokenizer_checklist.chk at the top; Code Llama has only LICENSE and USE_POLICY.md there and a tokenizer per model.
 */
export function buildMetaPlan({ models, dir }: BuildMetaPlanParams): MetaPlan {
  if (models.length === 0) throw new UsageError("No model given.", { hint: "Name at least one model; `llamagate models` lists them." });
  const unique = [...new Map(models.map((m) => [m.name, m])).values()];
  const noMeta = unique.filter((m) => !m.meta);
  if (noMeta.length > 0) {
    throw new UsageError(`${noMeta.map((m) => m.name).join(", ")} cannot be downloaded with a Meta signed URL.`, {
      hint: "Download it from Hugging Face instead (`--source hf`).",
    });
  }
  const layouts = new Set(unique.map((m) => m.meta!.layout));
  if (layouts.size > 1) {
    throw new UsageError(`${unique.map((m) => m.name).join(", ")} mix model families; Meta issues a separate link for each.`, {
      hint: "Run one download per family (Llama 2, Code Llama), each with its own link and --dir.",
    });
  }
  const layout = unique[0]!.meta!.layout;
  const files: MetaPlanFile[] = [];
  const add = (path: string, kind: MetaFileKind, checklist?: string, model?: string) =>
    files.push({ path, destPath: join(dir, ...path.split("/")), kind, checklist, model });

  add("LICENSE", "license");
  add("USE_POLICY.md", "use-policy");
  if (layout === "llama2") {
    add("tokenizer.model", "tokenizer", "tokenizer_checklist.chk");
    add("tokenizer_checklist.chk", "checklist");
  }
  for (const m of unique) {
    const { folder, shards } = m.meta!;
    const chk = `${folder}/checklist.chk`;
    for (let i = 0; i < shards; i++) add(`${folder}/consolidated.${String(i).padStart(2, "0")}.pth`, "weights", chk, m.name);
    add(`${folder}/params.json`, "params", chk, m.name);
    if (layout === "codellama") add(`${folder}/tokenizer.model`, "tokenizer", chk, m.name);
    add(chk, "checklist", undefined, m.name);
  }
  const checklists = files
    .filter((f) => f.kind === "checklist")
    .map((f) => ({ path: f.path, destPath: f.destPath, folder: f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/")) : "" }));
  return { layout, dir, files, checklists };
}
