import { resolve } from "node:path";
import { BUNDLE_MANIFEST_NAME, type BundleManifest } from "../formats/tar/bundle-manifest.js";
import { writeBundle } from "../formats/tar/write-bundle.js";
import type { AuditEntry } from "../license/audit-entry.js";
import { LicenseBlockedError } from "../license/errors.js";
import { readAuditLog } from "../license/read-audit-log.js";
import { CATALOG } from "../catalog/models.js";
import { LICENSE_FAMILIES } from "../license/families.js";
import { collectModelUnit } from "./collect-model-unit.js";
import { licenseAuditLogPath } from "../core/defaults/llamagate-paths.js";
import { UsageError } from "../core/errors.js";
import { refuseExistingOutput } from "../core/fs/refuse-existing-output.js";
import { hashModelFiles } from "./hash-model-files.js";

export interface PackBundleParams {
  /** The model folder. */
  dir: string;
  /** The .tar to write. */
  out: string;
  /** Catalog name of the model. @default the folder's name when the catalog knows it */
  model?: string;
  /** License family when the folder does not tell (catalog, LICENSE text): a family id, or "none". */
  licenseFamily?: string;
  /** Replace an existing bundle file at `out` (the one overwrite rule: never without --force). */
  force?: boolean;
  /**
   * The license audit log: the latest acceptance for the model's license family goes into the bundle.
   * @default the CLI's (`<llamagate data folder>/license-audit.jsonl`); null reads none
   */
  auditLogPath?: string | null;
  /** A CycloneDX ML-BOM of the model to carry in the bundle manifest (`pack --bom`). */
  bom?: Record<string, unknown>;
  onEvent?: (
    e: { type: "hashed"; path: string; reused: boolean } | { type: "progress"; bytes: number; total: number },
  ) => void;
  signal?: AbortSignal;
}

export interface PackBundleSummary {
  out: string;
  model: string | null;
  licenseFamily: string | null;
  /** Shared files taken from the Meta release root (tokenizer, LICENSE, USE_POLICY). */
  fromReleaseRoot: string[];
  files: { path: string; size: number; sha256: string }[];
  bytes: number;
  license: AuditEntry | null;
  seconds: number;
}

/**
 * `llamagate pack <dir> -o bundle.tar`: hash the folder's files (checklists checked), find the license
 * acceptance the organisation recorded for the model's license family (required for catalog models),
 * and write a bundle whose first member is a manifest of every file's size and sha256 plus that record.
 */
export async function packBundle(p: PackBundleParams): Promise<PackBundleSummary> {
  const t0 = performance.now();
  const dir = resolve(p.dir);
  const out = resolve(p.out);
  // Refused before hashing (minutes for big weights), and again by writeBundle just before writing.
  await refuseExistingOutput({ path: out, force: Boolean(p.force), flag: "-o" });
  const unit = await collectModelUnit({ dir, model: p.model, licenseFamily: p.licenseFamily, signal: p.signal });
  const { files, catalog: model, licenseFamily } = unit;
  if (files.length === 0) throw new UsageError(`${dir} has no files to pack.`, { code: "EMPTY_MODEL_DIR" });
  if (files.some((f) => f.path === BUNDLE_MANIFEST_NAME))
    throw new UsageError(
      `${dir} already holds a ${BUNDLE_MANIFEST_NAME}; pack the model folder, not an unpacked bundle's parent.`,
    );
  if (files.some((f) => f.absPath === out))
    throw new UsageError("The bundle cannot be written inside the folder it packs.", {
      hint: "Pass -o with a path outside the model folder.",
    });
  let license: AuditEntry | null = null;
  if (licenseFamily) {
    const name = model?.name ?? `this ${LICENSE_FAMILIES[licenseFamily].name} model`;
    const logPath = p.auditLogPath === undefined ? licenseAuditLogPath() : p.auditLogPath;
    const log = logPath ? await readAuditLog({ path: logPath }) : { entries: [] };
    license =
      [...log.entries]
        .reverse()
        .find(
          (e) =>
            e.licenseFamily === licenseFamily &&
            (e.verdict === "permitted" || e.verdict === "permitted-with-obligations" || e.override),
        ) ?? null;
    if (!license) {
      throw new LicenseBlockedError(
        "LICENSE_NOT_ACCEPTED",
        `No acceptance of ${name}'s license (${licenseFamily}) is recorded, and a bundle carries that record.`,
        {
          hint: `Run \`llamagate license check ${model?.name ?? CATALOG.find((m) => m.license === licenseFamily)!.name} --mau N --accept-license\` (or download it with --accept-license) first, then pack.`,
          details: { model: model?.name ?? null, licenseFamily },
        },
      );
    }
  }
  const hashes = await hashModelFiles({
    files,
    signal: p.signal,
    onFile: (path, reused) => p.onEvent?.({ type: "hashed", path, reused }),
  });
  const manifest: BundleManifest = {
    format: "llamagate-bundle",
    version: 1,
    createdAt: new Date().toISOString(),
    model: model?.name ?? null,
    licenseFamily,
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: hashes.get(f.path)! })),
    license: license as Record<string, unknown> | null,
    ...(p.bom ? { bom: p.bom } : {}),
  };
  const total = files.reduce((s, f) => s + f.size, 0);
  const bytes = await writeBundle({
    out,
    manifest,
    sources: new Map(files.map((f) => [f.path, f.absPath])),
    force: p.force,
    onProgress: (b) => p.onEvent?.({ type: "progress", bytes: b, total }),
    signal: p.signal,
  });
  return {
    out,
    model: model?.name ?? null,
    licenseFamily,
    fromReleaseRoot: unit.fromReleaseRoot,
    files: manifest.files,
    bytes,
    license,
    seconds: (performance.now() - t0) / 1000,
  };
}
