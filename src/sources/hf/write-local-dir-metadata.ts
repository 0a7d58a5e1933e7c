import { join } from "node:path";
import { writeFileAtomic } from "../../core/fs/write-file-atomic.js";
import { inside } from "./cache-layout.js";

export interface WriteLocalDirMetadataParams {
  /** The --local-dir folder. */
  localDir: string;
  /** File path inside the repo (checked safe). */
  path: string;
  /** Commit it came from. */
  commit: string;
  /** Its etag: sha256 (LFS) or git blob sha1. */
  etag: string;
}

/**
 * Record a --local-dir file the way huggingface_hub does (`.cache/huggingface/download/{path}.metadata`:
 * commit, etag, timestamp), so `hf download --local-dir` and llamagate's offline mode recognise it as
 * up to date. Also drops the `.gitignore` hf puts there. Written after the file, so timestamp ≥ mtime.
 */
export async function writeLocalDirMetadata(p: WriteLocalDirMetadataParams): Promise<void> {
  const base = join(p.localDir, ".cache", "huggingface");
  const meta = inside(join(base, "download"), `${p.path}.metadata`);
  // Through core's atomic writer: a link planted under either name (or as a folder on the way) is refused
  // or replaced, never written through.
  const root = p.localDir;
  await writeFileAtomic({ path: join(base, ".gitignore"), data: "*\n", sync: false, root });
  await writeFileAtomic({ path: meta, data: `${p.commit}\n${p.etag}\n${Date.now() / 1000}\n`, sync: false, root });
}
