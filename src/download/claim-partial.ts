import { lstat, readdir, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import { pidAlive } from "../core/pid-alive.js";

/** Suffix of partial files: `<dest>.llamagate-partial-<pid>` (process-unique, so two runs never share one). */
const PARTIAL_MARK = ".llamagate-partial-";

/** Process-unique partial path of `dest` for this process. */
export function partialPathFor(dest: string, pid = process.pid): string {
  return `${dest}${PARTIAL_MARK}${pid}`;
}

/**
 * Find the bytes an earlier run left for `dest` and make them this process's partial file: the
 * largest `<dest>.llamagate-partial-<pid>` whose process is gone (or is us) is renamed to our own name
 * (rename is atomic, so only one contender can take it); other dead ones are deleted. Partials of live
 * processes are left alone. Only regular files owned by the current user with one name are taken
 * (lstat: a symbolic link planted under a partial's name is deleted, never followed or renamed into
 * place); the caller still opens the result with O_NOFOLLOW. Returns our partial path and how many
 * bytes it already holds.
 */
export async function claimPartial(params: {
  /** Final destination path. */
  dest: string;
  /** Liveness check (tests). */
  isAlive?: (pid: number) => boolean;
}): Promise<{ path: string; size: number }> {
  const own = partialPathFor(params.dest);
  const dir = dirname(params.dest);
  const prefix = basename(params.dest) + PARTIAL_MARK;
  const isAlive = params.isAlive ?? pidAlive;
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw filesystemErrorFrom(e, dir, "read");
  }
  const candidates: { path: string; size: number }[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pidText = n.slice(prefix.length);
    if (!/^\d+$/.test(pidText)) continue;
    const pid = Number(pidText);
    if (pid !== process.pid && isAlive(pid)) continue;
    const p = join(dir, n);
    try {
      const s = await lstat(p);
      if (s.isFile() && (uid === undefined || s.uid === uid) && s.nlink === 1)
        candidates.push({ path: p, size: s.size });
      else if (s.isSymbolicLink()) await unlink(p).catch(() => {}); // removes the link, never its target
    } catch {
      // gone meanwhile: another run took it
    }
  }
  candidates.sort((a, b) => b.size - a.size);
  const best = candidates[0];
  for (const c of candidates.slice(1)) await unlink(c.path).catch(() => {});
  if (!best) return { path: own, size: 0 };
  if (best.path === own) return best;
  try {
    await rename(best.path, own);
    return { path: own, size: best.size };
  } catch {
    return { path: own, size: 0 };
  }
}
