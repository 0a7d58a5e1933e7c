import { join, resolve, sep } from "node:path";
import { UnsafeRepoPathError } from "./errors.js";

/** Paths of one repo inside the huggingface_hub cache (identical layout, so transformers finds files offline). */
export interface CacheLayout {
  /** {cache}/models--org--name */
  repoDir: string;
  /** {repoDir}/blobs/{etag} */
  blob: (etag: string) => string;
  /** {repoDir}/snapshots/{commit}/{path}; refuses paths that leave the snapshot folder. */
  snapshotFile: (commit: string, path: string) => string;
  /** {repoDir}/snapshots/{commit} */
  snapshotDir: (commit: string) => string;
  /** {repoDir}/refs/{revision} */
  ref: (revision: string) => string;
}

/** Build the cache paths for a repo (cacheDir = HF_HUB_CACHE, else $HF_HOME/hub). */
export function cacheLayout(cacheDir: string, cacheFolder: string): CacheLayout {
  const repoDir = join(cacheDir, cacheFolder);
  const snapshotDir = (commit: string) => join(repoDir, "snapshots", commit);
  return {
    repoDir,
    blob: (etag) => join(repoDir, "blobs", etag),
    snapshotDir,
    snapshotFile: (commit, path) => inside(snapshotDir(commit), path),
    ref: (revision) => inside(join(repoDir, "refs"), revision),
  };
}

/** join(base, rel), refusing anything that resolves outside base (defence in depth after checkRepoPath). */
export function inside(base: string, rel: string): string {
  const full = resolve(base, rel);
  if (!full.startsWith(resolve(base) + sep)) throw new UnsafeRepoPathError(rel);
  return full;
}
