import { readdir, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { LlamagateError } from "../../core/errors.js";
import { ensureDirInside } from "../../core/fs/ensure-dir-inside.js";
import { runEngine } from "../../download/run-engine.js";
import type { DownloadSummary, FileSummary, HttpErrorInfo, TransferFile } from "../../download/types.js";
import { inside } from "./cache-layout.js";
import { classifyHubResponse } from "./classify-hub-response.js";
import type { DownloadHfParams, HfDownloadEvent, HfDownloadSummary } from "./hf-download-types.js";
import { hubUrls } from "./hub-urls.js";
import { linkSnapshotFile } from "./link-snapshot-file.js";
import type { RepoFile } from "./list-repo-tree.js";
import { etagOf, type HfDownloadPlan } from "./plan-hf-download.js";
import { writeLocalDirMetadata } from "./write-local-dir-metadata.js";
import { writeRef } from "./write-ref.js";
import { createByteBudget } from "./xet/create-byte-budget.js";
import { createXetTokenSource, type XetTokenSource } from "./xet/create-xet-token-source.js";
import { createXetTransfer } from "./xet/create-xet-transfer.js";
import { engineOptionsOf } from "../../download/engine-options-of.js";

/**
 * The Hub source's fetch, from its plan: every selected file through the transfer engine with its sha256 (LFS) or
 * git blob sha1 checked on the fly, into the huggingface_hub cache layout (blobs/ + relative snapshot symlinks +
 * refs/) or into --local-dir as plain files. Offline, the summary the check read.
 */
export async function* fetchHfDownloadIter(plan: HfDownloadPlan): AsyncGenerator<HfDownloadEvent, HfDownloadSummary> {
  const { checked, selected } = plan;
  const { params: p, started, repo, revision, layout, localDir, commit } = checked;
  if (checked.offline) return { ...checked.offline, seconds: (Date.now() - started) / 1000 };

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
