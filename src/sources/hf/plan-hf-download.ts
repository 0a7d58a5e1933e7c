import { stat } from "node:fs/promises";
import { inside } from "./cache-layout.js";
import { checkFileAccess } from "./check-file-access.js";
import { withHubRetries, type HfDownloadCheck } from "./check-hf-download.js";
import { HubListingMismatchError, NoFilesMatchedError } from "./errors.js";
import type { HfDownloadEvent } from "./hf-download-types.js";
import { listRepoTree, type RepoFile } from "./list-repo-tree.js";
import { selectFiles } from "./select-files.js";

/** The Hub source's plan: the files of the commit that will be in place, and what is already here. */
export interface HfDownloadPlan {
  checked: HfDownloadCheck;
  /** The files to fetch (after include/exclude and the defaults), as the Hub lists them. */
  selected: RepoFile[];
  /** Etags (sha256 or git oid) of the blobs already complete in the cache. */
  cached: Set<string>;
  /** Number of files the run puts in place. */
  files: number;
  /** Bytes still to fetch: files not already in the cache (or in --local-dir at their listed size). */
  bytesNeeded: number;
}

/** A file's content address in the cache: its LFS sha256, else its git blob id. */
export const etagOf = (f: RepoFile): string => f.lfs?.sha256 ?? f.oid;

/**
 * The Hub source's plan, after its check: list and filter the commit's tree, see which blobs the cache already
 * has (`hf-plan`), and diagnose access before any byte by probing one file that still has to come (a gated repo
 * refuses here). No file byte is fetched and nothing is written.
 */
export async function* planHfDownloadIter(checked: HfDownloadCheck): AsyncGenerator<HfDownloadEvent, HfDownloadPlan> {
  if (checked.offline) {
    const files = checked.offline.files;
    return { checked, selected: [], cached: new Set(), files: files.length, bytesNeeded: 0 };
  }
  const { params: p, repo, layout, localDir, commit, api } = checked;
  const tree = yield* withHubRetries((onRetry) => listRepoTree({ ...api, onRetry, commit }));
  const picked = selectFiles({ files: tree, include: p.include, exclude: p.exclude });
  const { skippedByDefault } = picked;
  let selected = picked.selected;
  if (localDir) {
    // llamagate's lock and metadata live under <local-dir>/.cache/huggingface/: a repo file there is skipped.
    const reserved = (f: RepoFile) => /^\.cache\/huggingface(\/|$)/i.test(f.path);
    for (const f of selected.filter(reserved)) skippedByDefault.push({ path: f.path, reason: "local-dir-reserved" });
    selected = selected.filter((f) => !reserved(f));
  }
  if (selected.length === 0) throw new NoFilesMatchedError(repo.id, tree.length);

  // Blobs are content-addressed: one already in the cache (ours or huggingface_hub's) is reused, as hf does.
  const cached = new Set<string>();
  if (!localDir) {
    for (const f of selected)
      if ((await stat(layout.blob(etagOf(f))).catch(() => undefined))?.size === f.size) cached.add(etagOf(f));
  }
  yield {
    type: "hf-plan",
    files: selected.map((f) => ({ path: f.path, size: f.size })),
    skippedByDefault,
    cached: cached.size,
  };

  // Access diagnosis before any byte: probe one file that still has to come (gated repos refuse here).
  // When everything is already cached nothing will be fetched, so, like huggingface_hub, no probe.
  const probe = selected.find((f) => localDir || !cached.has(etagOf(f)));
  if (probe) {
    const meta = yield* withHubRetries((onRetry) => checkFileAccess({ ...api, onRetry, commit, path: probe.path }));
    // The listing and the file's own headers must agree (a mirror or proxy serving stale or foreign data).
    if (
      (meta.etag && meta.etag !== etagOf(probe)) ||
      (meta.commit && meta.commit !== commit) ||
      (meta.size !== undefined && meta.size !== probe.size)
    ) {
      throw new HubListingMismatchError(repo.id, probe.path, {
        listed: { etag: etagOf(probe), size: probe.size, commit },
        served: meta,
      });
    }
  }

  return {
    checked,
    selected,
    cached,
    files: selected.length,
    bytesNeeded: await bytesNeeded(checked, selected, cached),
  };
}

/** Bytes of the selected files not already here (one blob per content in the cache; a local-dir file at its size). */
async function bytesNeeded(checked: HfDownloadCheck, selected: RepoFile[], cached: Set<string>): Promise<number> {
  const seen = new Set<string>();
  let n = 0;
  for (const f of selected) {
    if (checked.localDir) {
      const have = await stat(inside(checked.localDir, f.path)).catch(() => undefined);
      if (have?.size !== f.size) n += f.size;
      continue;
    }
    if (cached.has(etagOf(f)) || seen.has(etagOf(f))) continue;
    seen.add(etagOf(f));
    n += f.size;
  }
  return n;
}
