import { readFile, rename, stat, writeFile, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { HashResult } from "../verify/hash-types.js";

/**
 * A small JSON file beside each finished download, `.<name>.llamagate.json`, that records the size,
 * mtime and hashes measured when llamagate verified the file. A rerun trusts it (and skips re-hashing
 * 130 GB) only while the file's size, mtime and inode are unchanged; anything else means "hash again".
 */
export interface VerifiedSidecar {
  version: 1;
  size: number;
  mtimeMs: number;
  ino: number;
  hashes: HashResult;
  verifiedAt: string;
}

export function sidecarPathFor(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.llamagate.json`);
}

/** The sidecar's hashes if it still describes the file at `dest` exactly, else undefined. */
export async function readVerifiedSidecar(dest: string, st: { size: number; mtimeMs: number; ino: number }): Promise<HashResult | undefined> {
  try {
    const j = JSON.parse(await readFile(sidecarPathFor(dest), "utf8")) as Partial<VerifiedSidecar>;
    if (j.version !== 1 || j.size !== st.size || j.mtimeMs !== st.mtimeMs || j.ino !== st.ino) return undefined;
    if (typeof j.hashes !== "object" || j.hashes === null) return undefined;
    return j.hashes;
  } catch {
    return undefined;
  }
}

/** Record that `dest` was verified with these hashes (best effort: losing it only costs a re-hash). */
export async function writeVerifiedSidecar(dest: string, hashes: HashResult): Promise<void> {
  try {
    const st = await stat(dest);
    const body: VerifiedSidecar = { version: 1, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, hashes, verifiedAt: new Date().toISOString() };
    const p = sidecarPathFor(dest);
    const tmp = `${p}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(body));
    await rename(tmp, p);
  } catch {
    // A read-only or full disk here is reported by the next real write; the sidecar is an optimisation.
  }
}

/** Forget a sidecar (the file was moved aside or replaced). */
export async function removeVerifiedSidecar(dest: string): Promise<void> {
  await unlink(sidecarPathFor(dest)).catch(() => {});
}
