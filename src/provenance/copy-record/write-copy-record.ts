import { join } from "node:path";
import { writeFileAtomic } from "../../core/fs/write-file-atomic.js";

/** The record a pull or an unpack leaves in its destination: `DIR/.llamagate-copy.json`. */
export const COPY_RECORD_NAME = ".llamagate-copy.json";

/** What a pulled or unpacked folder was made from, and every file it received with its verified sha256. */
export interface CopyRecord {
  format: "llamagate-copy";
  version: 1;
  /** Where the copy came from: an OCI artifact (reference and manifest digest) or a bundle (its path, as given). */
  source:
    | { kind: "oci"; ref: string; digest: string; configDigest: string }
    | { kind: "bundle"; bundle: string; model: string | null; createdAt: string | null };
  /** When the copy was made (ISO 8601). */
  recordedAt: string;
  /** Every file the manifest listed, as placed: "/"-separated path, size, lower-case hex sha256. */
  files: { path: string; size: number; sha256: string }[];
  /** Files llamagate wrote beside them that the manifest does not list (a pull's verified `model.sig`). */
  extra: string[];
}

/**
 * Record, inside a pulled or unpacked folder, the manifest digests its files were verified against, so that
 * `llamagate verify DIR` can re-check the copy later (changed, missing and added files) with no registry or bundle.
 * Written atomically; one per folder (the last pull or unpack into it).
 */
export async function writeCopyRecord(p: {
  /** The destination folder. */
  dir: string;
  source: CopyRecord["source"];
  files: readonly { path: string; size: number; sha256: string }[];
  extra?: readonly string[];
}): Promise<string> {
  const record: CopyRecord = {
    format: "llamagate-copy",
    version: 1,
    source: p.source,
    recordedAt: new Date().toISOString(),
    files: [...new Map(p.files.map((f) => [f.path, { path: f.path, size: f.size, sha256: f.sha256 }])).values()],
    extra: [...(p.extra ?? [])],
  };
  const path = join(p.dir, COPY_RECORD_NAME);
  await writeFileAtomic({ path, data: JSON.stringify(record, null, 2) + "\n", root: p.dir });
  return path;
}
