import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
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
 * The files a model folder holds, sorted by path: regular files, leaving out hidden entries (names starting with
 * ".": lock files, verification sidecars, `.cache/`), and llamagate's partial and corrupt copies. A symlink counts
 * as the file it points to only while that file stays inside the folder (or, for a Hugging Face snapshot, inside
 * its repo's cache folder, where the blobs are); a link anywhere else is refused by name, so a planted link cannot
 * carry a private file into a bundle or a registry (as `hf upload` and tar's safe modes refuse them).
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
  const inside = await allowedRoots(root);
  const out: ModelFolderFile[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > 32) return;
    params.signal?.throwIfAborted();
    const abs = rel ? join(root, rel) : root;
    const names = await readdir(abs).catch((e) => {
      throw filesystemErrorFrom(e, abs, "read");
    });
    for (const name of names.sort()) {
      if (name.startsWith(".") || name.includes(".llamagate-partial-") || name.endsWith(".corrupt")) continue;
      const r = rel ? `${rel}/${name}` : name;
      const p = join(root, r);
      const l = await lstat(p).catch(() => undefined);
      if (!l) continue;
      if (l.isSymbolicLink()) {
        const target = await realpath(p).catch(() => undefined);
        if (!target) continue; // a dangling symlink
        if (!inside.some((d) => target === d || target.startsWith(d + sep)))
          throw new UsageError(`${r} is a link to ${target}, outside the model folder; it is not taken along.`, {
            code: "LINK_OUTSIDE_MODEL",
            hint: `Replace the link with the file itself, or remove it from ${root}.`,
            details: { path: r },
          });
      }
      const s = l.isSymbolicLink() ? await stat(p).catch(() => undefined) : l;
      if (!s) continue;
      if (s.isDirectory()) await walk(r, depth + 1);
      else if (s.isFile()) out.push({ path: r, absPath: p, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
    }
  };
  await walk("", 0);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Where a model folder's links may point: the folder, and a Hub snapshot's repo cache folder (its blobs/). */
async function allowedRoots(root: string): Promise<string[]> {
  const real = await realpath(root);
  const roots = [real];
  if (basename(dirname(real)) === "snapshots" && basename(dirname(dirname(real))).startsWith("models--"))
    roots.push(dirname(dirname(real)));
  return roots;
}
