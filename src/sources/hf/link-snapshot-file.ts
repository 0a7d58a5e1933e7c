import { mkdir, readlink, rename, symlink, unlink } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { randomBytes } from "node:crypto";

export interface LinkSnapshotFileParams {
  /** Absolute blob path ({repoDir}/blobs/{etag}). */
  blobPath: string;
  /** Absolute snapshot path ({repoDir}/snapshots/{commit}/{path}). */
  snapshotPath: string;
}

/**
 * Point snapshots/{commit}/{path} at its blob with a relative symlink ("../../blobs/x", one more "../"
 * per sub-folder), as huggingface_hub does. Made under a temporary name and renamed, so a reader never
 * sees a half-made link; an existing correct link is left alone.
 */
export async function linkSnapshotFile(p: LinkSnapshotFileParams): Promise<void> {
  const target = relative(dirname(p.snapshotPath), p.blobPath);
  const current = await readlink(p.snapshotPath).catch(() => undefined);
  if (current === target) return;
  await mkdir(dirname(p.snapshotPath), { recursive: true });
  const tmp = `${p.snapshotPath}.${randomBytes(4).toString("hex")}.tmp-link`;
  await symlink(target, tmp);
  try {
    await rename(tmp, p.snapshotPath);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
