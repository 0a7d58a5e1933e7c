import { drainIter } from "../core/drain-iter.js";
import type { UnpackBundleParams, UnpackBundleResult } from "../formats/tar/extract-bundle.js";
import { bindSource } from "../pipeline/bind-source.js";
import { sourceFor } from "../sources/source-for.js";

/**
 * `llamagate unpack bundle.tar --dir D` (the public unpackBundle): the bundle source run as every source runs
 * (bindSource). Check: the bundle's manifest, read alone. Then `beforeExtract` (the license gate) on that manifest:
 * the check makes no request, so the gate runs before the plan, as the pipeline runs it after Meta's offline check.
 * Plan: what D already has (a differing file is refused unless `force`). Fetch: the extraction, every member
 * verified in a staging folder, `beforePublish` before anything is placed; progress goes to `onProgress`.
 */
export async function unpackBundle(params: UnpackBundleParams): Promise<UnpackBundleResult> {
  const { onProgress, beforeExtract, ...rest } = params;
  const bound = bindSource(await sourceFor("bundle"), rest, (result) => result);
  try {
    const checked = await drainIter(bound.check());
    await beforeExtract?.(checked.manifest);
    return await drainIter(bound.fetch(), (e) => onProgress?.(e.bytes));
  } finally {
    await bound.discard();
  }
}
