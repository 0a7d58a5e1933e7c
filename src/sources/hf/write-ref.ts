import { writeFileAtomic } from "../../core/fs/write-file-atomic.js";

export interface WriteRefParams {
  /** {repoDir}/refs/{revision} */
  refPath: string;
  /** Commit sha it points to. */
  commit: string;
  /** The cache folder: every folder below it is created and checked (no planted folder link is followed). */
  root: string;
}

/**
 * Write refs/{revision} atomically (core's writer: unpredictable temp name, O_EXCL | O_NOFOLLOW, rename),
 * content = the commit sha, no newline (like huggingface_hub).
 */
export async function writeRef(p: WriteRefParams): Promise<void> {
  await writeFileAtomic({ path: p.refPath, data: p.commit, sync: false, root: p.root });
}
