import { join } from "node:path";
import type { CatalogModel, MetaLayout } from "../../catalog/models.js";
import { UsageError } from "../../core/errors.js";

/** What a planned file is; decides nothing but display and grouping. */
export type MetaFileKind = "license" | "use-policy" | "tokenizer" | "checklist" | "weights" | "params";

export interface MetaPlanFile {
  /** Path relative to `dir` (and the file's name in messages), e.g. "llama-2-7b/consolidated.00.pth". */
  path: string;
  /**
   * Path relative to the URL's `*`: `path`, except where Meta's remote folder differs (Llama 3.0, llama-stack layout).
   */
  remotePath: string;
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
  /**
   * "meta" (default): the folders Meta's own scripts write; "llama-stack": each model in a folder named after its
   * llama-stack descriptor (`Llama3.1-8B-Instruct`, `:` → `-`), as `llama download` writes under ~/.llama/checkpoints.
   */
  localLayout?: "meta" | "llama-stack";
}

/**
 * The exact file list and layout of Meta's download.sh: Llama 2 puts LICENSE, USE_POLICY.md, tokenizer.model and
 * tokenizer_checklist.chk at the top; Code Llama has only LICENSE and USE_POLICY.md there and a tokenizer per model.
 */
export function buildMetaPlan({ models, dir, localLayout = "meta" }: BuildMetaPlanParams): MetaPlan {
  if (models.length === 0)
    throw new UsageError("No model given.", { hint: "Name at least one model; `llamagate models` lists them." });
  const unique = [...new Map(models.map((m) => [m.name, m])).values()];
  const noMeta = unique.filter((m) => !m.meta);
  if (noMeta.length > 0) {
    throw new UsageError(`${noMeta.map((m) => m.name).join(", ")} cannot be downloaded with a Meta signed URL.`, {
      hint: "Download it from Hugging Face instead (`--source hf`).",
    });
  }
  const layouts = new Set(unique.map((m) => m.meta!.layout));
  if (layouts.size > 1) {
    throw new UsageError(
      `${unique.map((m) => m.name).join(", ")} mix model families; Meta issues a separate link for each.`,
      {
        hint: "Run one download per family (Llama 2, Code Llama), each with its own link and --dir.",
      },
    );
  }
  const layout = unique[0]!.meta!.layout;
  if (localLayout === "llama-stack") {
    const missing = unique.filter((m) => !m.meta!.descriptor);
    if (missing.length > 0) {
      throw new UsageError(
        `${missing.map((m) => m.name).join(", ")} has no llama-stack descriptor, so --layout llama-stack cannot place it.`,
        {
          hint: "Use the default layout (Meta's folders) for this model.",
        },
      );
    }
  }
  const files: MetaPlanFile[] = [];
  const add = (path: string, kind: MetaFileKind, checklist?: string, model?: string, remotePath = path) =>
    files.push({ path, remotePath, destPath: join(dir, ...path.split("/")), kind, checklist, model });

  if (layout === "llama-models" || layout === "llama3") {
    (layout === "llama3" ? addLlama3Files : addLlamaModelsFiles)(unique, localLayout, add);
    return withChecklists(layout, dir, files);
  }
  add("LICENSE", "license");
  add("USE_POLICY.md", "use-policy");
  if (layout === "llama2") {
    add("tokenizer.model", "tokenizer", "tokenizer_checklist.chk");
    add("tokenizer_checklist.chk", "checklist");
  }
  for (const m of unique) {
    const { folder, shards } = m.meta!;
    const chk = `${folder}/checklist.chk`;
    for (let i = 0; i < shards; i++)
      add(`${folder}/consolidated.${String(i).padStart(2, "0")}.pth`, "weights", chk, m.name);
    add(`${folder}/params.json`, "params", chk, m.name);
    if (layout === "codellama") add(`${folder}/tokenizer.model`, "tokenizer", chk, m.name);
    add(chk, "checklist", undefined, m.name);
  }
  return withChecklists(layout, dir, files);
}

type AddFile = (path: string, kind: MetaFileKind, checklist?: string, model?: string, remotePath?: string) => void;

function withChecklists(layout: MetaLayout, dir: string, files: MetaPlanFile[]): MetaPlan {
  const checklists = files
    .filter((f) => f.kind === "checklist")
    .map((f) => ({
      path: f.path,
      destPath: f.destPath,
      folder: f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/")) : "",
    }));
  return { layout, dir, files, checklists };
}

const shard = (i: number) => `consolidated.${String(i).padStart(2, "0")}.pth`;
const localFolder = (m: CatalogModel, localLayout: "meta" | "llama-stack") =>
  localLayout === "llama-stack" ? m.meta!.descriptor!.replace(/:/g, "-") : m.meta!.folder;

/**
 * Llama 3.0, as meta-llama/llama3's download.sh: LICENSE, USE_POLICY, then per model shards, params, tokenizer,
 * checklist.
 */
function addLlama3Files(models: CatalogModel[], localLayout: "meta" | "llama-stack", push: AddFile): void {
  if (localLayout === "meta") {
    push("LICENSE", "license");
    push("USE_POLICY", "use-policy");
  }
  for (const m of models) {
    const { shards } = m.meta!;
    const remote = m.meta!.remoteFolder ?? m.meta!.folder;
    const local = localFolder(m, localLayout);
    const chk = `${local}/checklist.chk`;
    for (let i = 0; i < shards; i++) push(`${local}/${shard(i)}`, "weights", chk, m.name, `${remote}/${shard(i)}`);
    push(`${local}/params.json`, "params", chk, m.name, `${remote}/params.json`);
    push(`${local}/tokenizer.model`, "tokenizer", chk, m.name, `${remote}/tokenizer.model`);
    push(chk, "checklist", undefined, m.name, `${remote}/checklist.chk`);
  }
}

/**
 * Llama 3.1 and later, as llama-stack's `llama download` (llama_meta_net_info): per model checklist.chk,
 * tokenizer.model, params.json, fp8_scales_N.pt (fp8 variants), consolidated.NN.pth; nothing at the top level.
 */
function addLlamaModelsFiles(models: CatalogModel[], localLayout: "meta" | "llama-stack", add: AddFile): void {
  for (const m of models) {
    const { shards, fp8Scales = 0 } = m.meta!;
    const remote = m.meta!.remoteFolder ?? m.meta!.folder;
    const local = localFolder(m, localLayout);
    const chk = `${local}/checklist.chk`;
    const file = (name: string, kind: MetaFileKind, checklist: string | undefined) =>
      add(`${local}/${name}`, kind, checklist, m.name, `${remote}/${name}`);
    file("checklist.chk", "checklist", undefined);
    file("tokenizer.model", "tokenizer", chk);
    file("params.json", "params", chk);
    for (let i = 0; i < fp8Scales; i++) file(`fp8_scales_${i}.pt`, "weights", chk);
    for (let i = 0; i < shards; i++) file(shard(i), "weights", chk);
  }
}
