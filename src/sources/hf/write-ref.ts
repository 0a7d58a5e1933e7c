import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";

export interface WriteRefParams {
  /** {repoDir}/refs/{revision} */
  refPath: string;
  /** Commit sha it points to. */
  commit: string;
}

/** Write refs/{revision} atomically (temp file + rename), content = the commit sha, no newline (like huggingface_hub). */
export async function writeRef(p: WriteRefParams): Promise<void> {
  await mkdir(dirname(p.refPath), { recursive: true });
  const tmp = `${p.refPath}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, p.commit);
  try {
    await rename(tmp, p.refPath);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
