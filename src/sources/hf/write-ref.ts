import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../../core/fs/write-file-atomic.js";

export interface WriteRefParams {
  /** {repoDir}/refs/{revision} */
  refPath: string;
  /** Commit sha it points to. */
  commit: string;
}

/**
 * Write refs/{revision} atomically (core's writer: unpredictable temp name, O_EXCL | O_NOFOLLOW, rename),
 * content = the commit sha, no newline (like huggingface_hub).
 */
export async function writeRef(p: WriteRefParams): Promise<void> {
  await mkdir(dirname(p.refPath), { recursive: true });
  await writeFileAtomic({ path: p.refPath, data: p.commit, sync: false });
}
