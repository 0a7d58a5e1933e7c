import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../core/errors.js";
import { filesystemErrorFrom } from "../../core/fs/filesystem-error-from.js";

/** A regular file of a model folder. */
export interface ModelFolderFile {
  /** Relative "/"-separated path. */
  path: string;
  /** Absolute path. */
  absPath: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/**
 * The files a model folder holds, sorted by path: regular files (symlinked files, as in a Hugging Face
 * snapshot, count as the file they point to), leaving out hidden entries (names starting with ".": lock
 * files, verification sidecars, `.cache/`), and llamagate's partial and corrupt copies.
 */
export async function listModelFiles(params: { dir: string; signal?: AbortSignal }): Promise<ModelFolderFile[]> {
  const root = params.dir;
  const st = await stat(root).catch((e) => {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError(`${root} does not exist.`, {
        code: "NO_SUCH_DIR",
        hint: "Pass the folder of a downloaded model.",
      });
    throw filesystemErrorFrom(e, root, "read");
  });
  if (!st.isDirectory())
    throw new UsageError(`${root} is not a folder.`, {
      code: "NOT_A_DIR",
      hint: "Pass the folder of a downloaded model.",
    });
  const out: ModelFolderFile[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > 32) return;
    const abs = rel ? join(root, rel) : root;
    const names = await readdir(abs).catch((e) => {
      throw filesystemErrorFrom(e, abs, "read");
    });
    for (const name of names.sort()) {
      if (name.startsWith(".") || name.includes(".llamagate-partial-") || name.endsWith(".corrupt")) continue;
      const r = rel ? `${rel}/${name}` : name;
      const s = await stat(join(root, r)).catch(() => undefined);
      if (!s) continue; // a dangling symlink
      if (s.isDirectory()) await walk(r, depth + 1);
      else if (s.isFile()) out.push({ path: r, absPath: join(root, r), size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
    }
  };
  await walk("", 0);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
