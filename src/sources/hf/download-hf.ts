import { readdir, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { LlamagateError } from "../../core/errors.js";
import { ensureDirInside } from "../../core/fs/ensure-dir-inside.js";
import { runEngine } from "../../download/run-engine.js";
import type {
  DownloadEvent,
  DownloadSummary,
  FileSummary,
  HttpErrorInfo,
  TransferFile,
  EngineOptions,
} from "../../download/types.js";
import { cacheLayout, inside } from "./cache-layout.js";
import { checkFileAccess } from "./check-file-access.js";
import { classifyHubResponse } from "./classify-hub-response.js";
import { HubListingMismatchError, NoFilesMatchedError, type TokenSource } from "./errors.js";
import { fetchWhoami, type WhoamiInfo } from "./fetch-whoami.js";
import { hubUrls } from "./hub-urls.js";
import { linkSnapshotFile } from "./link-snapshot-file.js";
import { listRepoTree, type RepoFile } from "./list-repo-tree.js";
import { parseRepoId } from "./parse-repo-id.js";
import { readCachedSnapshot } from "./read-cached-snapshot.js";
import { readLocalDirSnapshot } from "./read-local-dir-snapshot.js";
import { assertRevision, resolveRevision } from "./resolve-revision.js";
import { selectFiles, type SelectedFiles } from "./select-files.js";
import { writeLocalDirMetadata } from "./write-local-dir-metadata.js";
import { writeRef } from "./write-ref.js";
import { eventChannel } from "../../core/event-channel.js";
import { drainIter } from "../../core/drain-iter.js";
import { createByteBudget } from "./xet/create-byte-budget.js";
import { createXetTokenSource, type XetTokenSource } from "./xet/create-xet-token-source.js";
import { createXetTransfer } from "./xet/create-xet-transfer.js";
import { engineOptionsOf } from "../../download/engine-options-of.js";

export interface DownloadHfParams extends EngineOptions {
  /** "org/name" as the user typed it (validated here). */
  repoId: string;
  /** Branch, tag or commit. @default "main" */
  revision?: string;
  /** Globs of files to fetch (none = all, minus the Llama defaults). */
  include?: readonly string[];
  /** Globs of files to leave out. */
  exclude?: readonly string[];
  /** Write plain files here instead of the cache. */
  localDir?: string;
  /** Hub cache (HF_HUB_CACHE, else $HF_HOME/hub); used when localDir is not set. */
  cacheDir: string;
  /** Hub endpoint (HF_ENDPOINT). */
  endpoint: string;
  /** Token, if any; sent only to the Hub's origin, never to the CDN. */
  token?: string;
  /** Where the token came from (named in hints). */
  tokenSource?: TokenSource;
  /** HF_HUB_DISABLE_SYMLINKS: snapshot files are copies of their blobs instead of symlinks. */
  disableSymlinks?: boolean;
  /** HF_HUB_OFFLINE: answer from the cache only, no network at all. */
  offline?: boolean;
  /**
   * Stop after the plan and the access check (dry runs): the summary lists the files, nothing is written and
   * no file byte is fetched. @default false
   */
  checkOnly?: boolean;
  /**
   * Download files the Hub stores on Xet natively (reconstruction API, xorb ranges, chunk decoding); false (the CLI's
   * `--no-xet`) fetches every file through the Hub's plain HTTP LFS bridge instead, always with a Range header.
   * @default true
   */
  xet?: boolean;
}

/** Events: the engine's, plus the Hub's own steps. */
export type HfDownloadEvent =
  | DownloadEvent
  | { type: "hf-resolved"; repoId: string; revision: string; commit: string; gated: false | string }
  | {
      type: "hf-plan";
      files: { path: string; size: number }[];
      skippedByDefault: SelectedFiles["skippedByDefault"];
      cached: number;
    }
  | { type: "hf-retry"; status?: number; waitSeconds: number; attempt: number; url: string }
  | { type: "hf-offline"; commit: string; files: number };

export interface HfDownloadSummary {
  repoId: string;
  revision: string;
  /** The commit every file came from. */
  commit: string;
  /** Where the files are: the snapshot folder, or --local-dir. */
  path: string;
  /** "cache" or "local-dir". */
  mode: "cache" | "local-dir";
  offline: boolean;
  files: {
    path: string;
    size: number;
    etag?: string;
    sha256?: string;
    gitSha1?: string;
    verified: boolean;
    downloaded: boolean;
    /** Its bytes came natively from Xet storage in this run (not through the LFS bridge). */
    xet?: true;
  }[];
  bytesTransferred: number;
  seconds: number;
}

/**
 * `llamagate download <org/repo> --source hf`: pin the revision to a commit, list and filter the
 * tree, diagnose access before any byte, then fetch every file through the transfer engine with its
 * sha256 (LFS) or git blob sha1 checked on the fly, into the huggingface_hub cache layout
 * (blobs/ + relative snapshot symlinks + refs/) or into --local-dir as plain files.
 */
export async function* downloadHfIter(p: DownloadHfParams): AsyncGenerator<HfDownloadEvent, HfDownloadSummary> {
  const started = Date.now();
  const repo = parseRepoId(p.repoId);
  const revision = p.revision ?? "main";
  assertRevision(revision);
  const layout = cacheLayout(resolve(p.cacheDir), repo.cacheFolder);
  const localDir = p.localDir === undefined ? undefined : resolve(p.localDir);

  if (p.offline) {
    if (localDir) {
      const snap = await readLocalDirSnapshot({ localDir, repoId: repo.id, include: p.include, exclude: p.exclude });
      yield { type: "hf-offline", commit: snap.commit, files: snap.files.length };
      return {
        repoId: repo.id,
        revision,
        commit: snap.commit,
        path: localDir,
        mode: "local-dir",
        offline: true,
        files: snap.files.map((f) => ({ ...f, verified: false, downloaded: false })),
        bytesTransferred: 0,
        seconds: (Date.now() - started) / 1000,
      };
    }
    const snap = await readCachedSnapshot({
      layout,
      repoId: repo.id,
      revision,
      include: p.include,
      exclude: p.exclude,
    });
    yield { type: "hf-offline", commit: snap.commit, files: snap.files.length };
    return {
      repoId: repo.id,
      revision,
      commit: snap.commit,
      path: layout.snapshotDir(snap.commit),
      mode: "cache",
      offline: true,
      files: snap.files.map((f) => ({ path: f.path, size: f.size, verified: false, downloaded: false })),
      bytesTransferred: 0,
      seconds: (Date.now() - started) / 1000,
    };
  }

  type RetryInfo = { status?: number; waitSeconds: number; attempt: number; url: string };
  const withHubRetries = <T>(step: (onRetry: (i: RetryInfo) => void) => Promise<T>) =>
    eventChannel<HfDownloadEvent, T>((emit) => step((i) => emit({ type: "hf-retry", ...i })));
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

  const resolved = yield* withHubRetries((onRetry) => resolveRevision({ ...api, onRetry, revision }));
  yield { type: "hf-resolved", repoId: repo.id, revision, commit: resolved.commit, gated: resolved.gated };
  const commit = resolved.commit;

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
  const etagOf = (f: RepoFile) => f.lfs?.sha256 ?? f.oid;
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

  if (p.checkOnly) {
    return {
      repoId: repo.id,
      revision,
      commit,
      mode: localDir ? "local-dir" : "cache",
      offline: false,
      path: localDir ?? layout.snapshotDir(commit),
      files: selected.map((f) => ({ path: f.path, size: f.size, etag: etagOf(f), verified: false, downloaded: false })),
      bytesTransferred: 0,
      seconds: (Date.now() - started) / 1000,
    };
  }

  const headers = p.token ? { authorization: `Bearer ${p.token}` } : undefined;
  // Native Xet: one token source per refresh route and one cap on bytes in flight for the whole run.
  const xetBudget = createByteBudget(XET_BYTES_IN_FLIGHT);
  const xetTokens = new Map<string, XetTokenSource>();
  const viaXet = new Set<string>();
  const tokensFor = (advertised: string | undefined) => {
    const key = advertised ?? "";
    let t = xetTokens.get(key);
    if (!t) {
      t = createXetTokenSource({
        endpoint: p.endpoint,
        defaultRoute: hubUrls.xetReadToken(p.endpoint, repo.id, commit),
        advertisedRoute: advertised,
        hubToken: p.token,
        tokenSource: p.tokenSource,
        repoId: repo.id,
        commit,
        dispatcher: p.dispatcher,
        signal: p.signal,
      });
      xetTokens.set(key, t);
    }
    return t;
  };
  const byDest = new Map<string, { file: RepoFile; transfer: TransferFile }>();
  const lockDir = localDir
    ? join(localDir, ".cache", "huggingface")
    : join(resolve(p.cacheDir), ".locks", repo.cacheFolder);
  for (const f of selected) {
    // A blob already in the cache still goes through the engine: it is re-hashed (or its size, mtime and
    // inode match the sidecar written when it was last verified), so bad bytes are never reported verified.
    const destPath = localDir ? inside(localDir, f.path) : layout.blob(etagOf(f));
    if (byDest.has(destPath)) continue; // two paths with the same content share one blob
    byDest.set(destPath, {
      file: f,
      transfer: {
        url: hubUrls.resolve(p.endpoint, repo.id, commit, f.path),
        destPath,
        displayName: f.path,
        expectedSize: f.size,
        // Always ranged (bytes=0- for a whole file): the LFS bridge refuses unranged GETs of large Xet files.
        alwaysRange: true,
        expectedHash: f.lfs ? { algorithm: "sha256", hex: f.lfs.sha256 } : { algorithm: "git-sha1", hex: f.oid },
        // A small (non-LFS) file's sha256 too, in the same read, for a signature of the download (--sign-key).
        ...(f.lfs ? {} : { hashWhileArriving: ["sha256" as const] }),
        // Cache blobs keep their sidecar beside huggingface_hub's lock files, not in blobs/.
        ...(localDir ? {} : { sidecarPath: join(lockDir, `${etagOf(f)}.llamagate.json`) }),
        ...(headers ? { headers } : {}),
        ...(f.lfs && p.xet !== false
          ? {
              transfer: createXetTransfer({
                resolveUrl: hubUrls.resolve(p.endpoint, repo.id, commit, f.path),
                hubToken: p.token,
                tokensFor,
                budget: xetBudget,
                connections: XET_CONNECTIONS_PER_FILE,
                onNative: () => viaXet.add(destPath),
              }),
            }
          : {}),
      },
    });
  }

  // Every folder the download writes in is below this one, made and checked one component at a time.
  const root = resolve(localDir ?? p.cacheDir);
  await ensureDirInside({ root, dir: lockDir });
  const transfers = [...byDest.values()].map((v) => v.transfer);
  const summary: DownloadSummary =
    transfers.length === 0
      ? EMPTY_SUMMARY
      : yield* runEngine({
          files: transfers,
          ...engineOptionsOf(p),
          concurrency: p.concurrency ?? 8,
          lockDir,
          root,
          classifyHttpError: (info: HttpErrorInfo) => hubErrorForTransfer(info, p, repo.id, commit),
        });

  const done = new Map<string, FileSummary>(summary.files.map((s) => [s.path, s]));
  if (!localDir) {
    for (const f of selected) {
      await linkSnapshotFile({
        blobPath: layout.blob(etagOf(f)),
        snapshotPath: layout.snapshotFile(commit, f.path),
        root,
        copy: p.disableSymlinks,
      });
    }
    if (revision !== commit) await writeRef({ refPath: layout.ref(revision), commit, root });
    await removeSidecars(join(layout.repoDir, "blobs"));
  } else {
    for (const f of selected) await writeLocalDirMetadata({ localDir, path: f.path, commit, etag: etagOf(f) });
  }

  return {
    repoId: repo.id,
    revision,
    commit,
    mode: localDir ? "local-dir" : "cache",
    offline: false,
    path: localDir ?? layout.snapshotDir(commit),
    files: selected.map((f) => {
      const dest = localDir ? inside(localDir, f.path) : layout.blob(etagOf(f));
      const s = done.get(dest);
      return {
        path: f.path,
        size: f.size,
        etag: etagOf(f),
        ...(f.lfs ? { sha256: f.lfs.sha256 } : { gitSha1: f.oid }),
        verified: s?.verified ?? false, // every file went through the engine, which checked its hash
        downloaded: Boolean(s && !s.skipped && s.bytesTransferred > 0),
        ...(viaXet.has(dest) ? { xet: true as const } : {}),
      };
    }),
    bytesTransferred: summary.totals.bytesTransferred,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The cap on Xet bytes requested and not yet written, for the whole run (issue 18: at most 512 MiB). */
const XET_BYTES_IN_FLIGHT = 256 << 20;
/** Parallel xorb requests per Xet file. */
const XET_CONNECTIONS_PER_FILE = 8;

const EMPTY_SUMMARY: DownloadSummary = {
  files: [],
  failed: [],
  totals: { files: 0, skipped: 0, bytes: 0, bytesTransferred: 0, bytesReused: 0, retries: 0 },
  seconds: 0,
  retries: 0,
};

/** Drain downloadHfIter and return its summary. */
export async function downloadHf(p: DownloadHfParams): Promise<HfDownloadSummary> {
  return drainIter(downloadHfIter(p));
}

/**
 * Errors while fetching a file: Hub errors (from /resolve) get the Hub diagnosis; the CDN's go to the engine's
 * defaults.
 */
function hubErrorForTransfer(
  info: HttpErrorInfo,
  p: DownloadHfParams,
  repoId: string,
  commit: string,
): LlamagateError | undefined {
  if (info.html || !info.headers["x-error-code"]) return undefined;
  return classifyHubResponse({
    response: { status: info.status, headers: info.headers, body: Buffer.from(info.bodySnippet), url: info.file.url },
    repoId,
    revision: commit,
    file: { commit, path: info.file.displayName },
    endpoint: p.endpoint,
    token: p.token,
    tokenSource: p.tokenSource,
  });
}

/**
 * The engine leaves `.<name>.llamagate.json` beside each file it verified, to skip re-hashing plain
 * files later. Cache blobs are named by their hash, so these add nothing and would clutter blobs/.
 */
async function removeSidecars(blobsDir: string): Promise<void> {
  const names = await readdir(blobsDir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.startsWith(".") && n.endsWith(".llamagate.json"))
      .map((n) => unlink(join(blobsDir, n)).catch(() => {})),
  );
}
