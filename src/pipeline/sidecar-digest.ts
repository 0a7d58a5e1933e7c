import { lstat } from "node:fs/promises";
import { readVerifiedSidecar } from "../download/verified-sidecar.js";
import type { KnownDigest } from "../provenance/oms/hash-model-for-signing.js";

/** A file's sha256 from its verification sidecar, with the state the sidecar describes (for `knownDigests`). */
export async function sidecarDigest(absPath: string): Promise<KnownDigest | undefined> {
  const st = await lstat(absPath).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  const hashes = await readVerifiedSidecar(absPath, st);
  return hashes?.sha256 ? { sha256: hashes.sha256, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } : undefined;
}
