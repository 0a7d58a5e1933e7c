import { relative, sep } from "node:path";
import { type HfDownloadSummary, type LicenseFileCheck, type MetaDownloadSummary } from "../index.js";

/** One file in `download --json`, the same for both sources (docs/json.md). */
export interface DownloadJsonFile {
  /** Relative to `dir`, with "/" separators. */
  path: string;
  size: number;
  /** Its expected hash (checklist md5, Hub sha256 / git sha1) was checked and matched. */
  verified: boolean;
  /** Already complete: nothing was downloaded for it in this run. */
  skipped: boolean;
  /** Hex digests computed or recorded (md5, sha256, gitSha1), where known. */
  hashes: Record<string, string>;
}

/** The shape every `download --json` prints; `source` says which extra keys follow (docs/json.md). */
export interface DownloadJson {
  ok: true;
  source: "meta" | "hf";
  /** The one folder holding the files (Meta --dir; the HF snapshot folder or --local-dir). Absolute. */
  dir: string;
  files: DownloadJsonFile[];
  /** How many files were verified against an expected hash. */
  verified: number;
  /** Bytes of all files. */
  bytes: number;
  /** Bytes received over the network in this run. */
  bytesTransferred: number;
  /** Wall time, in seconds, rounded to milliseconds. */
  seconds: number;
}

const rel = (dir: string, path: string) => relative(dir, path).split(sep).join("/");

/** `download --json` for a Meta link. */
export function metaDownloadJson(
  s: MetaDownloadSummary,
  licenseFile: LicenseFileCheck | undefined,
): DownloadJson & Record<string, unknown> {
  return {
    ok: true,
    source: "meta",
    dir: s.dir,
    files: s.files.map((f) => ({
      path: rel(s.dir, f.path),
      name: f.name,
      size: f.size,
      verified: f.verified,
      skipped: f.skipped,
      hashes: { ...f.hashes } as Record<string, string>,
      bytesTransferred: f.bytesTransferred,
      bytesReused: f.bytesReused,
      retries: f.retries,
      seconds: f.seconds,
    })),
    verified: s.verified,
    bytes: s.totals.bytes,
    bytesTransferred: s.totals.bytesTransferred,
    seconds: s.seconds,
    bytesReused: s.totals.bytesReused,
    retries: s.retries,
    layout: s.layout,
    models: s.models,
    expiresAt: s.expiresAt.toISOString(),
    // Meta ships no LICENSE file with Llama 3.1 and later.
    licenseFile: licenseFile
      ? { status: licenseFile.status, sha256: licenseFile.sha256, family: licenseFile.family }
      : null,
  };
}

/** `download --json` for a Hugging Face repo. */
export function hfDownloadJson(s: HfDownloadSummary): DownloadJson & Record<string, unknown> {
  return {
    ok: true,
    source: "hf",
    dir: s.path,
    files: s.files.map((f) => ({
      path: f.path,
      size: f.size,
      verified: f.verified,
      skipped: !f.downloaded,
      hashes: { ...(f.sha256 ? { sha256: f.sha256 } : {}), ...(f.gitSha1 ? { gitSha1: f.gitSha1 } : {}) },
      downloaded: f.downloaded,
      xet: f.xet === true,
      ...(f.etag ? { etag: f.etag } : {}),
    })),
    verified: s.files.filter((f) => f.verified).length,
    bytes: s.files.reduce((a, f) => a + f.size, 0),
    bytesTransferred: s.bytesTransferred,
    seconds: s.seconds,
    repoId: s.repoId,
    revision: s.revision,
    commit: s.commit,
    mode: s.mode,
    offline: s.offline,
  };
}
