import { copyFile, readlink, rename, stat, symlink, unlink } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { constants } from "node:fs";
import { ensureDirInside } from "../../core/fs/ensure-dir-inside.js";
import { tempPathFor } from "../../core/fs/temp-path-for.js";
import { filesystemErrorFrom } from "../../core/fs/filesystem-error-from.js";

export interface LinkSnapshotFileParams {
  /** Absolute blob path ({repoDir}/blobs/{etag}). */
  blobPath: string;
  /** Absolute snapshot path ({repoDir}/snapshots/{commit}/{path}). */
  snapshotPath: string;
  /** The cache folder: every folder below it is created and checked (no planted folder link is followed). */
  root: string;
  /** Copy the blob instead of linking (HF_HUB_DISABLE_SYMLINKS, or a filesystem without symlinks). */
  copy?: boolean;
}

/**
 * Point snapshots/{commit}/{path} at its blob with a relative symlink ("../../blobs/x", one more "../"
 * per sub-folder), as huggingface_hub does. Made under a temporary name and renamed, so a reader never
 * sees a half-made link; an existing correct link is left alone. Where symlinks are refused (or `copy`
 * is set), the blob is copied instead, like huggingface_hub's no-symlink mode. Returns how it was done.
 */
export async function linkSnapshotFile(p: LinkSnapshotFileParams): Promise<"link" | "copy" | "unchanged"> {
  try {
    return await link(p);
  } catch (e) {
    throw filesystemErrorFrom(e, p.snapshotPath, "link");
  }
}

async function link(p: LinkSnapshotFileParams): Promise<"link" | "copy" | "unchanged"> {
  const target = relative(dirname(p.snapshotPath), p.blobPath);
  const current = await readlink(p.snapshotPath).catch(() => undefined);
  if (!p.copy && current === target) return "unchanged";
  await ensureDirInside({ root: p.root, dir: dirname(p.snapshotPath) });
  const tmp = tempPathFor(p.snapshotPath, "tmp-link");
  let how: "link" | "copy" = p.copy ? "copy" : "link";
  try {
    if (how === "link") {
      try {
        await symlink(target, tmp);
      } catch (e) {
        if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
        how = "copy";
      }
    }
    if (how === "copy") {
      const [a, b] = await Promise.all([stat(p.blobPath), stat(p.snapshotPath).catch(() => undefined)]);
      if (current === undefined && b?.isFile() && b.size === a.size && b.mtimeMs >= a.mtimeMs) return "unchanged";
      await copyFile(p.blobPath, tmp, constants.COPYFILE_EXCL);
    }
    await ensureDirInside({ root: p.root, dir: dirname(p.snapshotPath), create: false });
    await rename(tmp, p.snapshotPath);
    return how;
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
