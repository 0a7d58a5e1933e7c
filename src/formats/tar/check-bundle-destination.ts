import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../core/errors.js";
import type { BundleManifest } from "./bundle-manifest.js";

/**
 * What unpacking a bundle into `dir` would write, without writing: a file already there whose size differs from the
 * bundle's is refused (OUTPUT_EXISTS; `force` replaces it instead), before any byte is extracted. Returns the bytes of
 * the files not already there at their size.
 */
export async function checkBundleDestination(params: {
  dir: string;
  manifest: BundleManifest;
  /** Files that differ are to be replaced: not refused. */
  force?: boolean;
}): Promise<{ bytesNeeded: number }> {
  let bytesNeeded = 0;
  for (const f of params.manifest.files) {
    const st = await lstat(join(params.dir, ...f.path.split("/"))).catch(() => undefined);
    if (st && !st.isDirectory() && (!st.isFile() || st.size !== f.size) && !params.force)
      throw bundleOutputExistsError(params.dir, f.path);
    if (!st?.isFile() || st.size !== f.size) bytesNeeded += f.size;
  }
  return { bytesNeeded };
}

/** A file in the destination differs from the bundle's (replaced only with `force`). */
export function bundleOutputExistsError(dir: string, path: string): UsageError {
  return new UsageError(`${join(dir, ...path.split("/"))} already exists and differs from the bundle's ${path}.`, {
    code: "OUTPUT_EXISTS",
    hint: "Pass --force to replace it, or unpack into another --dir. Nothing was written.",
    details: { path },
  });
}
