import { createHash } from "node:crypto";
import { lstat, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { CatalogModel, LicenseFamilyId } from "../../catalog/models.js";
import { tryFindModel } from "../../catalog/try-find-model.js";
import { openGguf } from "../../formats/gguf/open-gguf.js";
import { recognizeLicenseText } from "../../license/recognize-license-text.js";
import { readMd5Checklist } from "../../verify/read-md5-checklist.js";
import { hashModelForSigning } from "../oms/hash-model-for-signing.js";
import { readSmokeResult } from "../lineage/read-smoke-result.js";
import { readGgufLineage } from "../lineage/read-gguf-lineage.js";
import type { GgufLineageRecord } from "../lineage/record-gguf-lineage.js";
import type { SmokeResultRecord } from "../lineage/record-smoke-result.js";

/** What a BOM says about one model path: its identity, files and where it came from. */
export interface ModelDescription {
  path: string;
  kind: "meta" | "hf-snapshot" | "gguf" | "folder";
  name: string;
  /** Hub commit, or the catalog model's release line. */
  version?: string;
  catalog?: CatalogModel;
  licenseFamily?: LicenseFamilyId;
  /** The LICENSE that shipped with the weights (in the folder, or a Meta release root). */
  licenseFile?: { path: string; sha256: string };
  files: { name: string; sha256: string; md5?: string; size: number }[];
  /** OMS root digest over the files (the signature's subject digest). */
  rootSha256: string;
  hubRepo?: string;
  gguf?: { name?: string; fileType?: number };
  /** What a GGUF was converted from, from its conversion record, when the record describes these exact bytes. */
  lineage?: GgufLineageRecord;
  /** A GGUF's smoke test that passed on these exact bytes (size and mtime unchanged since), when one ran. */
  smokeTest?: SmokeResultRecord;
  signature?: string;
}

const GGUF_FILE_TYPES: Record<number, string> = { 0: "F32", 1: "F16", 7: "Q8_0", 32: "BF16" };
export const ggufDtype = (t: number | undefined) => (t === undefined ? undefined : (GGUF_FILE_TYPES[t] ?? `type ${t}`));

/** Describe a Meta folder, a Hub snapshot, a GGUF file or any model folder, hashing every file once. */
export async function describeModelPath(p: { path: string; signal?: AbortSignal }): Promise<ModelDescription> {
  const path = resolve(p.path);
  const st = await lstat(path);
  const snapshots = dirname(path);
  const isSnapshot = basename(snapshots) === "snapshots" && basename(dirname(snapshots)).startsWith("models--");
  const digest = await hashModelForSigning({
    path,
    ignorePaths: [join(path, "model.sig")],
    // A Hub cache snapshot's files are links into the repo's blobs/.
    ...(isSnapshot ? { followLinksInside: dirname(snapshots) } : {}),
    signal: p.signal,
  });
  const size = async (name: string) => (await stat(name === "." ? path : join(path, name))).size;
  const files: ModelDescription["files"] = await Promise.all(
    digest.resources.map(async (r) => ({
      name: r.name === "." ? basename(path) : r.name,
      sha256: r.digest,
      size: await size(r.name),
    })),
  );
  const d: ModelDescription = { path, kind: "folder", name: basename(path), files, rootSha256: digest.rootDigest };
  if (st.isFile()) {
    if (path.endsWith(".gguf")) {
      const g = await openGguf({ path });
      try {
        const name = g.metadata.get("general.name")?.value;
        const ft = g.metadata.get("general.file_type")?.value;
        d.kind = "gguf";
        d.gguf = {
          name: typeof name === "string" ? name : undefined,
          fileType: typeof ft === "number" ? ft : undefined,
        };
      } finally {
        await g.close();
      }
      d.smokeTest = await readSmokeResult(path);
      const lineage = await readGgufLineage(path).catch(() => undefined);
      if (lineage?.output.sha256 === files[0]!.sha256) d.lineage = lineage;
    }
    return d;
  }
  if (isSnapshot) {
    d.kind = "hf-snapshot";
    d.hubRepo = basename(dirname(snapshots)).slice("models--".length).replace("--", "/");
    d.name = d.hubRepo;
    d.version = basename(path);
  } else if (files.some((f) => f.name === "params.json") && files.some((f) => /consolidated\.\d+\.pth$/.test(f.name))) {
    d.kind = "meta";
  }
  d.catalog = tryFindModel({ name: d.name });
  // md5 from Meta's checklists, as they gave it.
  const md5 = new Map<string, string>();
  for (const chk of ["checklist.chk", "tokenizer_checklist.chk"]) {
    if (!files.some((f) => f.name === chk)) continue;
    for (const e of await readMd5Checklist({ path: join(path, chk), name: chk }).catch(() => []))
      md5.set(e.path, e.md5);
  }
  for (const f of files) if (md5.has(f.name)) f.md5 = md5.get(f.name);
  for (const candidate of [join(path, "LICENSE"), ...(d.kind === "meta" ? [join(dirname(path), "LICENSE")] : [])]) {
    const s = await lstat(candidate).catch(() => undefined);
    if (!s?.isFile()) continue;
    const text = await readFile(candidate);
    d.licenseFile = { path: candidate, sha256: createHash("sha256").update(text).digest("hex") };
    d.licenseFamily = d.catalog?.license ?? recognizeLicenseText(text.toString("utf8"));
    break;
  }
  d.licenseFamily ??= d.catalog?.license;
  if ((await lstat(join(path, "model.sig")).catch(() => undefined))?.isFile()) d.signature = join(path, "model.sig");
  return d;
}
