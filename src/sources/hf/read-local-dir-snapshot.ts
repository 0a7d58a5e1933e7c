import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { OfflineCacheMissError } from "./errors.js";
import { globToRegExp } from "./select-files.js";

export interface ReadLocalDirSnapshotParams {
  /** The --local-dir folder. */
  localDir: string;
  /** Repo id (for messages). */
  repoId: string;
  /** --include / --exclude globs. */
  include?: readonly string[];
  exclude?: readonly string[];
}

/**
 * HF_HUB_OFFLINE=1 with --local-dir: the files huggingface_hub-style metadata
 * (`.cache/huggingface/download/{path}.metadata`) says were downloaded, that still exist with
 * a matching commit. No network call.
 */
export async function readLocalDirSnapshot(
  p: ReadLocalDirSnapshotParams,
): Promise<{ commit: string; files: { path: string; size: number }[] }> {
  const metaRoot = join(p.localDir, ".cache", "huggingface", "download");
  const inc = (p.include ?? []).map(globToRegExp);
  const exc = (p.exclude ?? []).map(globToRegExp);
  const files: { path: string; size: number }[] = [];
  const commits = new Set<string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), rel);
      else if (e.name.endsWith(".metadata")) {
        const path = rel.slice(0, -".metadata".length);
        if ((inc.length > 0 && !inc.some((r) => r.test(path))) || exc.some((r) => r.test(path))) continue;
        const [commit] = (await readFile(join(dir, e.name), "utf8")).split("\n");
        const st = await stat(join(p.localDir, path)).catch(() => undefined);
        if (st?.isFile() && commit && /^[0-9a-f]{40}$/.test(commit)) {
          files.push({ path, size: st.size });
          commits.add(commit);
        }
      }
    }
  };
  await walk(metaRoot, "");
  if (files.length === 0)
    throw new OfflineCacheMissError(`HF_HUB_OFFLINE is set and ${p.localDir} holds no downloaded file of ${p.repoId}.`);
  if (commits.size > 1)
    throw new OfflineCacheMissError(
      `HF_HUB_OFFLINE is set and ${p.localDir} mixes files from ${commits.size} commits of ${p.repoId}.`,
      { hint: "Download it again online to bring every file to one commit." },
    );
  return { commit: [...commits][0]!, files: files.sort((a, b) => a.path.localeCompare(b.path)) };
}
