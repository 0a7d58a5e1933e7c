import { join, resolve } from "node:path";
import { readCopyRecord } from "../copy-record/read-copy-record.js";
import type { CopyRecord } from "../copy-record/write-copy-record.js";
import { verifyAgainstDigests, type VerifyAgainstDigestsResult } from "./verify-against-digests.js";

export interface VerifyCopyResult extends VerifyAgainstDigestsResult {
  dir: string;
  /** The source the copy record names (OCI reference and manifest digest, or bundle). */
  source: CopyRecord["source"];
  recordedAt: string;
}

/**
 * `llamagate verify DIR` of a folder made by `pull` or `unpack`: every file against the sha256 its manifest gave it
 * (kept in DIR/.llamagate-copy.json when the copy was verified and placed); changed, missing and added files are
 * named. Undefined when DIR holds no copy record.
 */
export async function verifyCopy(p: { dir: string; signal?: AbortSignal }): Promise<VerifyCopyResult | undefined> {
  const dir = resolve(p.dir);
  const record = await readCopyRecord({ dir, signal: p.signal });
  if (!record) return undefined;
  const r = await verifyAgainstDigests({
    dir,
    expected: record.files.map((f) => ({ name: f.path, sha256: f.sha256 })),
    extras: true,
    // A signature beside the files is checked by `verify --signature`, not counted as an added file.
    ignorePaths: [...record.extra, ...(record.files.some((f) => f.path === "model.sig") ? [] : ["model.sig"])].map(
      (x) => join(dir, ...x.split("/")),
    ),
    signal: p.signal,
  });
  return { ...r, dir, source: record.source, recordedAt: record.recordedAt };
}
