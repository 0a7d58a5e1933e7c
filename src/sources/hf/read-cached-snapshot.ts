import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { OfflineCacheMissError } from "./errors.js";
import type { CacheLayout } from "./cache-layout.js";
import { globToRegExp } from "./select-files.js";

export interface ReadCachedSnapshotParams {
  /** The repo's cache paths. */
  layout: CacheLayout;
  /** Repo id (for messages). */
  repoId: string;
  /** Branch/tag (looked up in refs/) or a 40-hex commit. */
  revision: string;
  /** Same --include/--exclude globs as online. */
  include?: readonly string[];
  exclude?: readonly string[];
}

export interface CachedSnapshot {
  commit: string;
  /** Files present in the snapshot (symlink with its blob, or a real file), matching the globs. */
  files: { path: string; size: number; absPath: string }[];
}

/**
 * HF_HUB_OFFLINE=1: find what the cache holds for a revision without any network call, as
 * huggingface_hub does (refs/{revision} → snapshots/{commit}). Dangling symlinks count as missing.
 */
export async function readCachedSnapshot(p: ReadCachedSnapshotParams): Promise<CachedSnapshot> {
  let commit = p.revision;
  if (!/^[0-9a-f]{40}$/.test(p.revision)) {
    try {
      commit = (await readFile(p.layout.ref(p.revision), "utf8")).trim();
    } catch {
      throw new OfflineCacheMissError(
        `HF_HUB_OFFLINE is set and the cache has no "${p.revision}" revision of ${p.repoId} (${p.layout.repoDir}).`,
      );
    }
    if (!/^[0-9a-f]{40}$/.test(commit))
      throw new OfflineCacheMissError(`The cached ref "${p.revision}" of ${p.repoId} is not a commit sha.`);
  }
  const dir = p.layout.snapshotDir(commit);
  const all = await walk(dir, "").catch(() => undefined);
  if (!all)
    throw new OfflineCacheMissError(`HF_HUB_OFFLINE is set and the cache has no snapshot ${commit} of ${p.repoId}.`);
  const inc = (p.include ?? []).map(globToRegExp);
  const exc = (p.exclude ?? []).map(globToRegExp);
  const files: CachedSnapshot["files"] = [];
  const missing: string[] = [];
  for (const rel of all) {
    if ((inc.length > 0 && !inc.some((r) => r.test(rel))) || exc.some((r) => r.test(rel))) continue;
    const abs = join(dir, rel);
    const st = await stat(abs).catch(() => undefined); // follows the symlink to its blob
    if (st?.isFile()) files.push({ path: rel, size: st.size, absPath: abs });
    else missing.push(rel);
  }
  if (missing.length > 0) {
    throw new OfflineCacheMissError(
      `HF_HUB_OFFLINE is set and ${missing.length} cached file(s) of ${p.repoId} have no blob (e.g. ${missing[0]}).`,
    );
  }
  if (files.length === 0)
    throw new OfflineCacheMissError(
      `HF_HUB_OFFLINE is set and the cached snapshot of ${p.repoId} has no file matching the patterns.`,
    );
  return { commit, files };
}

async function walk(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}
