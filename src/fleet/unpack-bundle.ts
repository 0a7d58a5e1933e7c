import { resolve } from "node:path";
import { drainIter } from "../core/drain-iter.js";
import type { UnpackBundleParams, UnpackBundleResult } from "../formats/tar/extract-bundle.js";
import { bindSource } from "../pipeline/bind-source.js";
import { writeCopyRecord } from "../provenance/copy-record/write-copy-record.js";
import { sourceFor } from "../sources/source-for.js";

/**
 * `llamagate unpack bundle.tar --dir D` (the public unpackBundle): the bundle source run as every source runs
 * (bindSource). Check: the bundle's manifest, read alone. Then `beforeExtract` (the license gate) on that manifest:
 * the check makes no request, so the gate runs before the plan, as the pipeline runs it after Meta's offline check.
 * Plan: what D already has (a differing file is refused unless `force`). Fetch: the extraction, every member
 * verified in a staging folder, `beforePublish` before anything is placed; progress goes to `onProgress`. Last, the
 * copy record `verify DIR` checks the copy against later (the manifest's digests), as a pull writes its own: the CLI
 * and library callers get the same folder.
 */
export async function unpackBundle(params: UnpackBundleParams): Promise<UnpackBundleResult> {
  const { onProgress, beforeExtract, ...rest } = params;
  const bound = bindSource(await sourceFor("bundle"), rest, (result) => result);
  try {
    const checked = await drainIter(bound.check());
    await beforeExtract?.(checked.manifest);
    const r = await drainIter(bound.fetch(), (e) => onProgress?.(e.bytes));
    await writeCopyRecord({
      dir: r.dir,
      source: {
        kind: "bundle",
        bundle: resolve(rest.bundle),
        model: r.manifest.model,
        createdAt: r.manifest.createdAt ?? null,
      },
      files: r.manifest.files,
    });
    return r;
  } finally {
    await bound.discard();
  }
}
