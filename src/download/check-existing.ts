import { lstat, rename, stat, unlink } from "node:fs/promises";
import { FilesystemError } from "../core/errors.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import type { HashPool } from "../verify/hash-pool.js";
import type { HashAlgorithm, HashResult } from "../verify/hash-types.js";
import { partialPathFor } from "./claim-partial.js";
import type { TransferFile } from "./types.js";
import { readVerifiedSidecar, removeVerifiedSidecar, writeVerifiedSidecar } from "./verified-sidecar.js";

export type ExistingState =
  | { kind: "absent" }
  | { kind: "complete"; size: number; hashes: HashResult; reason: "verified-sidecar" | "hash-match" | "size-match" }
  | { kind: "corrupt"; mismatch: { algorithm: HashAlgorithm; expected: string; actual: string }; movedTo: string };

/**
 * Decide what to do with a file already at `destPath`:
 * - expected hash known: trust the verified sidecar if size/mtime/inode are unchanged, else re-hash;
 *   match = complete, mismatch = moved aside to `<dest>.corrupt` (counts as the first bad copy);
 * - only expected size known: equal size = complete; shorter = continue from it (it becomes our partial,
 *   as after an interrupted `wget`/download.sh); longer = moved aside;
 * - nothing known: complete only when a valid sidecar says llamagate finished it, else fetched again.
 */
export async function checkExisting(params: {
  file: TransferFile;
  algorithms: HashAlgorithm[];
  /** Reported when the sidecar knows them, never hashed for (TransferFile.hashWhileArriving). */
  optionalAlgorithms?: HashAlgorithm[];
  pool: HashPool;
  signal?: AbortSignal;
}): Promise<ExistingState> {
  const { file, algorithms, optionalAlgorithms, pool, signal } = params;
  const dest = file.destPath;
  const sidecarPath = file.sidecarPath;
  let st;
  let isLink = false;
  try {
    // A link under the final name (an old `--local-dir-use-symlinks` copy) may be read and hashed, but
    // it is never adopted as a partial or written through: when it does not match it is removed (the
    // name only, never its target) and the file is fetched fresh.
    const l = await lstat(dest);
    isLink = l.isSymbolicLink();
    st = isLink ? await stat(dest) : l;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
    throw filesystemErrorFrom(e, dest, "read");
  }
  const dropLink = async (): Promise<ExistingState> => {
    await unlink(dest).catch((e) => {
      throw filesystemErrorFrom(e, dest, "remove");
    });
    await removeVerifiedSidecar(dest, sidecarPath);
    return { kind: "absent" };
  };
  if (!st.isFile()) {
    throw new FilesystemError("PATH_CONFLICT", `${dest} exists and is not a regular file.`, {
      hint: "Move it away or pick another --dir.",
    });
  }
  const sidecar = await readVerifiedSidecar(dest, st, sidecarPath);
  const known: HashResult = { ...(sidecar ?? {}) };
  const complete = async (reason: "verified-sidecar" | "hash-match" | "size-match"): Promise<ExistingState> => {
    const missing = algorithms.filter((a) => known[a] === undefined);
    if (missing.length)
      Object.assign(known, await pool.hashFile({ path: dest, size: st.size, algorithms: missing, signal }));
    if (missing.length || !sidecar) await writeVerifiedSidecar(dest, known, sidecarPath);
    const hashes: HashResult = {};
    for (const a of algorithms) hashes[a] = known[a];
    for (const a of optionalAlgorithms ?? []) if (known[a] !== undefined) hashes[a] = known[a];
    return {
      kind: "complete",
      size: st.size,
      hashes,
      reason: missing.length && reason === "verified-sidecar" ? "hash-match" : reason,
    };
  };
  const moveAside = async (): Promise<string> => {
    const movedTo = `${dest}.corrupt`;
    await rename(dest, movedTo).catch((e) => {
      throw filesystemErrorFrom(e, movedTo, "move aside");
    });
    await removeVerifiedSidecar(dest, sidecarPath);
    return movedTo;
  };

  if (file.expectedSize !== undefined && st.size !== file.expectedSize) {
    if (isLink) return dropLink();
    const uid = process.getuid?.();
    if (st.size < file.expectedSize && (uid === undefined || st.uid === uid) && st.nlink === 1) {
      // An interrupted plain download left a prefix under the final name (ours): continue from it.
      const own = partialPathFor(dest);
      const ownExists = await lstat(own).then(
        (s) => s.size >= st.size,
        () => false,
      );
      if (!ownExists) {
        await rename(dest, own).catch((e) => {
          throw filesystemErrorFrom(e, dest, "move");
        });
        await removeVerifiedSidecar(dest, sidecarPath);
        return { kind: "absent" };
      }
    }
    const movedTo = await moveAside();
    return file.expectedHash
      ? {
          kind: "corrupt",
          mismatch: {
            algorithm: file.expectedHash.algorithm,
            expected: file.expectedHash.hex.toLowerCase(),
            actual: `size ${st.size}`,
          },
          movedTo,
        }
      : { kind: "absent" };
  }

  if (file.expectedHash) {
    const { algorithm } = file.expectedHash;
    const expected = file.expectedHash.hex.toLowerCase();
    if (known[algorithm] === undefined)
      Object.assign(known, await pool.hashFile({ path: dest, size: st.size, algorithms: [algorithm], signal }));
    const actual = known[algorithm]!;
    if (actual !== expected) {
      if (isLink) return dropLink();
      const movedTo = await moveAside();
      return { kind: "corrupt", mismatch: { algorithm, expected, actual }, movedTo };
    }
    return complete(sidecar?.[algorithm] === expected ? "verified-sidecar" : "hash-match");
  }
  if (file.expectedSize !== undefined) return complete(sidecar ? "verified-sidecar" : "size-match");
  if (sidecar) return complete("verified-sidecar");
  return { kind: "absent" };
}
