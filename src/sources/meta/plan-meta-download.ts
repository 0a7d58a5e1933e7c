import { lstat } from "node:fs/promises";
import { dirname } from "node:path";
import { checkFreeSpace } from "../../core/fs/check-free-space.js";
import type { MetaDownloadCheck } from "./check-meta-download.js";
import type { MetaDownloadEvent } from "./download-meta.js";
import { weightBytesStillNeeded } from "./weight-bytes-still-needed.js";

/** The Meta source's plan: download.sh's files, and the weight bytes still to come. */
export interface MetaDownloadPlan {
  checked: MetaDownloadCheck;
  /** Date.now() when the plan began (the summary's seconds: a check made before the license gate is not counted). */
  started: number;
  /** Number of files the run puts in place (checklists, weights, tokenizer, params, license files). */
  files: number;
  /** Weight bytes still to write: the shards' size (exact, or the catalog's estimate) less what is on disk. */
  bytesNeeded: number;
}

/**
 * The Meta source's plan, after its check, without a request: announce download.sh's files (`meta-plan`), then the
 * free-space preflight for the weights still to come (DISK_FULL), on the destination or, when it does not exist
 * yet, the folder it will be made in: nothing is written. (A link that expired since the check, made before the
 * license questions, is named by the CDN's first refusal: classifyMetaResponse knows its expiry.)
 */
export async function* planMetaDownloadIter(
  checked: MetaDownloadCheck,
): AsyncGenerator<MetaDownloadEvent, MetaDownloadPlan> {
  const started = Date.now();
  const { params, dir, signedUrl, plan } = checked;
  yield {
    type: "meta-plan",
    layout: plan.layout,
    display: signedUrl.display,
    expiresAt: signedUrl.expiresAt,
    files: plan.files.map((f) => f.path),
  };
  const bytesNeeded = await weightBytesStillNeeded({ plan, models: params.models, weightBytes: params.weightBytes });
  if (params.spaceCheck !== false)
    await checkFreeSpace({
      dir,
      statDir: await nearestExisting(dir),
      neededBytes: bytesNeeded,
      statfsImpl: params.statfsImpl,
    });
  return { checked, started, files: plan.files.length, bytesNeeded };
}

/** The folder itself, or its closest ancestor that exists (on the filesystem the download will write to). */
async function nearestExisting(dir: string): Promise<string> {
  for (let d = dir; ; d = dirname(d)) {
    if (
      await lstat(d).then(
        () => true,
        () => false,
      )
    )
      return d;
    if (dirname(d) === d) return d;
  }
}
