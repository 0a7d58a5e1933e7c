import { resolve } from "node:path";
import { eventChannel } from "../../core/event-channel.js";
import { cacheLayout, type CacheLayout } from "./cache-layout.js";
import { fetchWhoami, type WhoamiInfo } from "./fetch-whoami.js";
import type { DownloadHfParams, HfDownloadEvent, HfDownloadSummary } from "./hf-download-types.js";
import type { HubCallParams } from "./hub-call-params.js";
import { parseRepoId, type RepoId } from "./parse-repo-id.js";
import { readCachedSnapshot } from "./read-cached-snapshot.js";
import { readLocalDirSnapshot } from "./read-local-dir-snapshot.js";
import { assertRevision, resolveRevision } from "./resolve-revision.js";

type RetryInfo = { status?: number; waitSeconds: number; attempt: number; url: string };

/** What the Hub source's check found: the repo, its revision pinned to a commit, and how to ask the Hub more. */
export interface HfDownloadCheck {
  params: DownloadHfParams;
  /** Date.now() when the run began (the summary's seconds). */
  started: number;
  repo: RepoId;
  revision: string;
  layout: CacheLayout;
  /** The resolved --local-dir, if any. */
  localDir: string | undefined;
  /** HF_HUB_OFFLINE: the summary read from the cache or the local dir (no request made). */
  offline?: HfDownloadSummary;
  /** The commit the revision resolves to (online). */
  commit: string;
  /** The Hub API parameters for this repo (token, whoami for diagnosis, dispatcher, signal). */
  api: Omit<HubCallParams, "onRetry">;
}

/** Run a Hub call, its 429/5xx retries reported as `hf-retry` events. */
export function withHubRetries<T>(
  step: (onRetry: (i: RetryInfo) => void) => Promise<T>,
): AsyncGenerator<HfDownloadEvent, T> {
  return eventChannel<HfDownloadEvent, T>((emit) => step((i) => emit({ type: "hf-retry", ...i })));
}

/**
 * The Hub source's check: the repo id and revision are valid, and the Hub answers for them (access to the repo,
 * the revision pinned to a commit: `hf-resolved`). Offline (HF_HUB_OFFLINE), the cached snapshot or local dir is
 * read instead and no request is made.
 */
export async function* checkHfDownloadIter(p: DownloadHfParams): AsyncGenerator<HfDownloadEvent, HfDownloadCheck> {
  const started = Date.now();
  const repo = parseRepoId(p.repoId);
  const revision = p.revision ?? "main";
  assertRevision(revision);
  const layout = cacheLayout(resolve(p.cacheDir), repo.cacheFolder);
  const localDir = p.localDir === undefined ? undefined : resolve(p.localDir);
  let who: Promise<WhoamiInfo | undefined> | undefined;
  const whoami = () =>
    (who ??= p.token
      ? fetchWhoami({
          endpoint: p.endpoint,
          token: p.token,
          tokenSource: p.tokenSource,
          dispatcher: p.dispatcher,
          signal: p.signal,
        }).catch(() => undefined)
      : Promise.resolve(undefined));
  const api = {
    endpoint: p.endpoint,
    repoId: repo.id,
    token: p.token,
    tokenSource: p.tokenSource,
    whoami,
    dispatcher: p.dispatcher,
    signal: p.signal,
  };
  const checked = { params: p, started, repo, revision, layout, localDir, api };

  if (p.offline) {
    if (localDir) {
      const snap = await readLocalDirSnapshot({ localDir, repoId: repo.id, include: p.include, exclude: p.exclude });
      const offline: HfDownloadSummary = {
        repoId: repo.id,
        revision,
        commit: snap.commit,
        path: localDir,
        mode: "local-dir",
        offline: true,
        files: snap.files.map((f) => ({ ...f, verified: false, downloaded: false })),
        bytesTransferred: 0,
        seconds: 0,
      };
      yield { type: "hf-offline", commit: snap.commit, files: snap.files.length };
      return { ...checked, commit: snap.commit, offline };
    }
    const snap = await readCachedSnapshot({
      layout,
      repoId: repo.id,
      revision,
      include: p.include,
      exclude: p.exclude,
    });
    const offline: HfDownloadSummary = {
      repoId: repo.id,
      revision,
      commit: snap.commit,
      path: layout.snapshotDir(snap.commit),
      mode: "cache",
      offline: true,
      files: snap.files.map((f) => ({ path: f.path, size: f.size, verified: false, downloaded: false })),
      bytesTransferred: 0,
      seconds: 0,
    };
    yield { type: "hf-offline", commit: snap.commit, files: snap.files.length };
    return { ...checked, commit: snap.commit, offline };
  }

  const resolved = yield* withHubRetries((onRetry) => resolveRevision({ ...api, onRetry, revision }));
  yield { type: "hf-resolved", repoId: repo.id, revision, commit: resolved.commit, gated: resolved.gated };
  return { ...checked, commit: resolved.commit };
}
