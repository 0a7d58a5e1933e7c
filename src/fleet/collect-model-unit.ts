/**
 * A model as one unit for `push` and `pack`: its weights plus what makes them usable and lawful. Pointing at a Meta
 * model subfolder (`~/llama/llama-2-7b-chat`) takes the release root's shared files along (tokenizer.model, its
 * checklist, LICENSE, USE_POLICY), laid beside the weights so `convert`, `smoke-test` and `verify` accept the
 * received copy as it is. The license family comes from the user (`licenseFamily`), the catalog (the folder's or
 * the Hub snapshot's name) or the LICENSE text itself; a folder whose family is none of these is refused, so nothing
 * travels ungated.
 */
import { lstat, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { CatalogModel, LicenseFamilyId } from "../catalog/models.js";
import { tryFindModel } from "../catalog/try-find-model.js";
import { UsageError } from "../core/errors.js";
import { LICENSE_FAMILIES } from "../license/families.js";
import { recognizeLicenseText } from "../license/recognize-license-text.js";
import { listModelFiles, type ModelFolderFile } from "../sources/oci/list-model-files.js";

/** Files Meta's download scripts put in the release root, shared by the models below it. */
const RELEASE_ROOT_FILES = ["LICENSE", "USE_POLICY.md", "USE_POLICY", "tokenizer.model", "tokenizer_checklist.chk"];

/** `--license-family none`: the user states the model is under no Llama license (no gate applies on arrival). */
const NO_LLAMA_LICENSE = "none";

export interface CollectModelUnitParams {
  /** The model folder. */
  dir: string;
  /** Catalog name of the model; @default the folder's (or Hub snapshot's) name when the catalog knows it */
  model?: string;
  /** The license family when the folder does not tell (a family id, or "none" for a model under no Llama license). */
  licenseFamily?: string;
  signal?: AbortSignal;
}

export interface ModelUnit {
  files: ModelFolderFile[];
  catalog: CatalogModel | undefined;
  /** null: the user stated the model is under no Llama license. */
  licenseFamily: LicenseFamilyId | null;
  /** Where the family came from. */
  licenseFamilyFrom: "flag" | "catalog" | "license-text";
  /** Files taken from the Meta release root (relative names, laid at the top of the unit). */
  fromReleaseRoot: string[];
}

export async function collectModelUnit(p: CollectModelUnitParams): Promise<ModelUnit> {
  const files = await listModelFiles({ dir: p.dir, signal: p.signal });
  const fromReleaseRoot = isMetaModelFolder(files) ? await releaseRootFiles(p.dir, files) : [];
  files.push(...fromReleaseRoot);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const catalog = tryFindModel({ name: p.model ?? nameOf(p.dir), explicit: p.model !== undefined });
  const license = files.find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(f.path));
  const fromText = license ? recognizeLicenseText(await readFile(license.absPath, "utf8")) : undefined;
  const flag = p.licenseFamily === undefined ? undefined : parseLicenseFamily(p.licenseFamily);
  if (flag !== undefined && fromText && flag !== fromText)
    throw new UsageError(
      `--license-family ${p.licenseFamily} contradicts the folder's LICENSE, which is the ${LICENSE_FAMILIES[fromText].name}.`,
      { code: "LICENSE_FAMILY_MISMATCH", hint: `Pass --license-family ${fromText}, or leave the flag out.` },
    );
  const unit = (licenseFamily: LicenseFamilyId | null, from: ModelUnit["licenseFamilyFrom"]): ModelUnit => ({
    files,
    catalog,
    licenseFamily,
    licenseFamilyFrom: from,
    fromReleaseRoot: fromReleaseRoot.map((f) => f.path),
  });
  if (flag !== undefined) return unit(flag, "flag");
  if (catalog) return unit(catalog.license, "catalog");
  if (fromText) return unit(fromText, "license-text");
  throw new UsageError(
    `Cannot tell which license ${p.dir} is under: the catalog does not know "${nameOf(p.dir)}" and it holds no Llama LICENSE.`,
    {
      code: "LICENSE_FAMILY_UNKNOWN",
      hint: `Pass --license-family with one of ${Object.keys(LICENSE_FAMILIES).join(", ")}, or --license-family ${NO_LLAMA_LICENSE} for a model under no Llama license (or --model NAME for a catalog model).`,
    },
  );
}

/** A license family id, or null for "none"; anything else is a usage error listing the choices. */
function parseLicenseFamily(value: string): LicenseFamilyId | null {
  const v = value.trim().toLowerCase();
  if (v === NO_LLAMA_LICENSE) return null;
  if (v in LICENSE_FAMILIES) return v as LicenseFamilyId;
  throw new UsageError(`Unknown license family "${value}".`, {
    code: "UNKNOWN_LICENSE_FAMILY",
    hint: `Use one of ${Object.keys(LICENSE_FAMILIES).join(", ")}, or ${NO_LLAMA_LICENSE}.`,
  });
}

/** A Hub snapshot `models--org--name/snapshots/<rev>` is named by its repo id; any other folder by its name. */
function nameOf(dir: string): string {
  const repo = basename(dirname(dirname(dir)));
  if (basename(dirname(dir)) === "snapshots" && repo.startsWith("models--"))
    return repo.slice("models--".length).replace("--", "/");
  return basename(dir);
}

/** Meta's per-model folder: params.json beside consolidated.NN.pth shards. */
function isMetaModelFolder(files: ModelFolderFile[]): boolean {
  return files.some((f) => f.path === "params.json") && files.some((f) => /^consolidated\.\d+\.pth$/.test(f.path));
}

/** The release root's shared files the model folder does not hold itself (regular files only, never links). */
async function releaseRootFiles(dir: string, own: ModelFolderFile[]): Promise<ModelFolderFile[]> {
  const have = new Set(own.map((f) => f.path));
  const out: ModelFolderFile[] = [];
  for (const name of RELEASE_ROOT_FILES) {
    if (have.has(name)) continue;
    const abs = join(dirname(dir), name);
    const s = await lstat(abs).catch(() => undefined);
    if (s?.isFile()) out.push({ path: name, absPath: abs, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
  }
  return out;
}
