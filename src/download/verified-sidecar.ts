import { lstat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { readRegularFile } from "../core/fs/read-regular-file.js";
import { writeFileAtomic } from "../core/fs/write-file-atomic.js";
import type { HashResult } from "../verify/hash-types.js";

/**
 * A small JSON file beside each finished download, `.<name>.llamagate.json` (or where the source puts it,
 * `TransferFile.sidecarPath`), that records the size, mtime and hashes measured when llamagate verified
 * the file. A rerun trusts it (and skips re-hashing 130 GB) only while the file's size, mtime and inode
 * are unchanged; anything else means "hash again".
 */
export interface VerifiedSidecar {
  version: 1;
  size: number;
  mtimeMs: number;
  ino: number;
  hashes: HashResult;
  verifiedAt: string;
}

/** A sidecar is a few hundred bytes; anything bigger is not ours. */
const MAX_SIDECAR_BYTES = 64 << 10;

function sidecarPathFor(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.llamagate.json`);
}

/**
 * The sidecar's hashes if it still describes the file at `dest` exactly, else undefined. Read without
 * following a link, only from a regular file of the current user.
 */
export async function readVerifiedSidecar(
  dest: string,
  st: { size: number; mtimeMs: number; ino: number },
  sidecarPath = sidecarPathFor(dest),
): Promise<HashResult | undefined> {
  try {
    const text = await readRegularFile({
      path: sidecarPath,
      maxBytes: MAX_SIDECAR_BYTES,
      tooLarge: () => new Error("too large"),
    });
    const j = JSON.parse(text.toString("utf8")) as Partial<VerifiedSidecar>;
    if (j.version !== 1 || j.size !== st.size || j.mtimeMs !== st.mtimeMs || j.ino !== st.ino) return undefined;
    if (typeof j.hashes !== "object" || j.hashes === null) return undefined;
    return j.hashes;
  } catch {
    return undefined;
  }
}

/** Record that `dest` was verified with these hashes (best effort: losing it only costs a re-hash). */
export async function writeVerifiedSidecar(
  dest: string,
  hashes: HashResult,
  sidecarPath = sidecarPathFor(dest),
): Promise<void> {
  try {
    const st = await lstat(dest);
    if (!st.isFile()) return;
    const body: VerifiedSidecar = {
      version: 1,
      size: st.size,
      mtimeMs: st.mtimeMs,
      ino: st.ino,
      hashes,
      verifiedAt: new Date().toISOString(),
    };
    await writeFileAtomic({ path: sidecarPath, data: JSON.stringify(body), sync: false });
  } catch {
    // A read-only or full disk here is reported by the next real write; the sidecar is an optimisation.
  }
}

/** Forget a sidecar (the file was moved aside or replaced). */
export async function removeVerifiedSidecar(dest: string, sidecarPath = sidecarPathFor(dest)): Promise<void> {
  await unlink(sidecarPath).catch(() => {});
}
