import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { CatalogModel } from "../../catalog/models.js";
import type { MetaPlan } from "./build-meta-plan.js";

/**
 * Bytes of weights the download still has to write: the catalog's size of the shards, less what is
 * already on disk (finished shards and partial files), so a resumed download is not refused.
 */
export async function weightBytesStillNeeded({
  plan,
  models,
  weightBytes,
}: {
  /** The download plan (its consolidated.NN.pth destinations are inspected). */
  plan: MetaPlan;
  /** The models being fetched (their catalog weight sizes are summed). */
  models: readonly CatalogModel[];
  /** Exact total when the caller knows it; overrides the catalog's estimate. */
  weightBytes?: number;
}): Promise<number> {
  const total = weightBytes ?? models.reduce((sum, m) => sum + (m.meta?.weightBytes ?? 0), 0);
  let present = 0;
  for (const f of plan.files) {
    if (!basename(f.destPath).startsWith("consolidated.")) continue;
    const folder = dirname(f.destPath);
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const n of names) {
      if (n === basename(f.destPath) || n.startsWith(`${basename(f.destPath)}.llamagate-partial`)) {
        present += (await stat(join(folder, n)).catch(() => ({ size: 0 }))).size;
      }
    }
  }
  return Math.max(0, Math.floor(total - present));
}
