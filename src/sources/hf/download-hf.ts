import { drainIter } from "../../core/drain-iter.js";
import { checkHfDownloadIter } from "./check-hf-download.js";
import { fetchHfDownloadIter } from "./fetch-hf-download.js";
import type { DownloadHfParams, HfDownloadEvent, HfDownloadSummary } from "./hf-download-types.js";
import { etagOf, planHfDownloadIter, type HfDownloadPlan } from "./plan-hf-download.js";

export type { DownloadHfParams, HfDownloadEvent, HfDownloadSummary } from "./hf-download-types.js";

/**
 * `llamagate download <org/repo> --source hf`: the Hub source's three steps in a row. Check: pin the revision to a
 * commit. Plan: list and filter the tree, diagnose access before any byte. Fetch: every file through the transfer
 * engine with its sha256 (LFS) or git blob sha1 checked on the fly, into the huggingface_hub cache layout
 * (blobs/ + relative snapshot symlinks + refs/) or into --local-dir as plain files. `checkOnly` stops after the
 * plan.
 */
export async function* downloadHfIter(p: DownloadHfParams): AsyncGenerator<HfDownloadEvent, HfDownloadSummary> {
  const plan = yield* planHfDownloadIter(yield* checkHfDownloadIter(p));
  if (p.checkOnly) return plannedHfSummary(plan);
  return yield* fetchHfDownloadIter(plan);
}

/** Drain downloadHfIter and return its summary. */
export async function downloadHf(p: DownloadHfParams): Promise<HfDownloadSummary> {
  return drainIter(downloadHfIter(p));
}

/** A dry run's summary: the plan's files, none fetched or verified, nothing written. */
function plannedHfSummary(plan: HfDownloadPlan): HfDownloadSummary {
  const { checked, selected } = plan;
  if (checked.offline) return { ...checked.offline, seconds: (Date.now() - checked.started) / 1000 };
  return {
    repoId: checked.repo.id,
    revision: checked.revision,
    commit: checked.commit,
    mode: checked.localDir ? "local-dir" : "cache",
    offline: false,
    path: checked.localDir ?? checked.layout.snapshotDir(checked.commit),
    files: selected.map((f) => ({ path: f.path, size: f.size, etag: etagOf(f), verified: false, downloaded: false })),
    bytesTransferred: 0,
    seconds: (Date.now() - checked.started) / 1000,
  };
}
