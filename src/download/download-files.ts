import { stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { Dispatcher } from "undici";
import { createDispatcher } from "../core/http/create-dispatcher.js";
import { InterruptedError, LlamagateError, UsageError } from "../core/errors.js";
import type { DirLock } from "../core/fs/acquire-dir-lock.js";
import { checkFreeSpace } from "../core/fs/check-free-space.js";
import { ensureDirInside } from "../core/fs/ensure-dir-inside.js";
import { reservedNameReason } from "../core/fs/reserved-name-reason.js";
import { ReservedNameError } from "./errors.js";
import { DEFAULT_RETRY_POLICY } from "../core/retry.js";
import { createHashPool } from "../verify/hash-pool.js";
import { acquireLockEvents } from "./acquire-lock-events.js";
import { claimPartial } from "./claim-partial.js";
import { createTailHelpers } from "./create-tail-helpers.js";
import { downloadFile, type FileJobOptions } from "./download-file.js";
import { EventQueue } from "../core/event-queue.js";
import type { DownloadEvent, DownloadFilesParams, DownloadSummary, FailedFile, FileSummary } from "./types.js";
import { drainIter } from "../core/drain-iter.js";
import { forEachConcurrent } from "../core/for-each-concurrent.js";

export type { DownloadEvent, DownloadFilesParams, DownloadSummary, FileSummary, TransferFile } from "./types.js";

/** Default wait for another run's folder lock: provisioning scripts that start two runs get a queue, not a failure. */
export const DEFAULT_LOCK_WAIT_MS = 180_000;

/** An idle connection joins an in-flight file only for at least this many bytes (worth one more request). */
const TAIL_MIN_BYTES = 4 << 20;

/** Errors that doom every other file too: stop them all instead of burning a signed URL's attempts. */
const FATAL = new Set(["access", "usage", "filesystem", "interrupted", "internal", "license"]);

/**
 * Download many files: `concurrency` at once over one keep-alive undici Agent, each resumed from its
 * partial file, hashed while it arrives, verified, fsynced and renamed into place. Yields typed events
 * (see DownloadEvent); the last one is `summary`, also the generator's return value.
 *
 * Failure model: a not-found / integrity / network failure of one file is reported (`file-error`) and
 * the others continue; access, filesystem and usage errors stop everything. After the summary event the
 * first error is thrown (details.failed lists every failed file). Abort → partials kept, InterruptedError.
 */
export async function* downloadFilesIter(params: DownloadFilesParams): AsyncGenerator<DownloadEvent, DownloadSummary> {
  const t0 = performance.now();
  validate(params);
  const files = params.files;
  const concurrency = Math.max(1, Math.min(params.concurrency ?? 4, files.length || 1));
  const outer = params.signal;
  if (outer?.aborted) throw new InterruptedError();

  const common = commonDir(files.map((f) => f.destPath));
  const lockDir = params.lockDir === false ? undefined : (params.lockDir ?? common);
  const root = resolve(
    params.root ?? (lockDir && files.every((f) => isInside(lockDir, f.destPath)) ? lockDir : (common ?? sep)),
  );
  const outside = files.find((f) => !isInside(root, f.destPath));
  if (outside) throw new UsageError(`Destination path of ${outside.displayName} leaves ${root}.`, { code: "BAD_DEST" });
  for (const f of files) {
    const why = reservedNameReason(relative(root, f.destPath));
    if (why) throw new ReservedNameError(f.displayName, why);
  }
  let lock: DirLock | undefined;
  if (lockDir) {
    await ensureDirInside({ root: isInside(root, lockDir) ? root : lockDir, dir: lockDir });
    lock = yield* acquireLockEvents({ dir: lockDir, waitMs: params.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, signal: outer });
  }
  const ownDispatcher = params.dispatcher
    ? undefined
    : createDispatcher({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connections: 64 });
  const dispatcher: Dispatcher = params.dispatcher ?? ownDispatcher!;
  // At most 4 hashing threads by default: ~4 x 600 MB/s of md5 outruns most links, and each thread costs RSS.
  const pool = createHashPool({
    size: params.hashWorkers ?? Math.max(1, Math.min(concurrency, availableParallelism(), 4)),
  });
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  outer?.addEventListener("abort", onOuterAbort, { once: true });

  const queue = new EventQueue<DownloadEvent>();
  const tail = createTailHelpers({ minBytes: TAIL_MIN_BYTES });
  const done: FileSummary[] = [];
  const failed: { file: FailedFile; error: LlamagateError }[] = [];
  let running: Promise<void> | undefined;
  try {
    yield {
      type: "plan",
      files: files.map((f) => ({ name: f.displayName, path: f.destPath, expectedSize: f.expectedSize })),
      totalBytes: totalOf(files),
    };
    if (params.checkFreeSpace !== false && lockDir) await preflight(files, lockDir);

    const options: FileJobOptions = {
      dispatcher,
      ...(params.rateLimiter ? { rateLimiter: params.rateLimiter } : {}),
      policy: params.retry ?? DEFAULT_RETRY_POLICY,
      stallTimeoutMs: params.stallTimeoutMs ?? 30_000,
      detectHtml: params.detectHtml ?? true,
      classifyHttpError: params.classifyHttpError,
      partsPerFile: Math.max(1, params.partsPerFile ?? 1),
      partMinBytes: Math.max(1, params.partMinBytes ?? 64 << 20),
      progressIntervalMs: params.progressIntervalMs ?? 250,
      pool,
      hashIn: params.hashIn ?? "workers",
      rawBodyMinBytes: params.rawBodyMinBytes ?? 8 << 20,
      root,
      // One background fdatasync at a time: keeps the disk busy without taking the thread pool from writes.
      writebackGate: { inFlight: 0, max: 1 },
      ...(concurrency > 1 ? { tail } : {}),
    };
    // The biggest files start first, so the small ones fill the gaps at the end (sizes unknown: last, in order).
    const order = files
      .map((f, i) => ({ f, i }))
      .sort((a, b) => (b.f.expectedSize ?? -1) - (a.f.expectedSize ?? -1) || a.i - b.i)
      .map((x) => x.f);
    // A connection with no file left to start joins the in-flight file with the most bytes left (the end of the run).
    let finished = false;
    running = forEachConcurrent(
      order,
      concurrency,
      async (file) => {
        try {
          done.push(await downloadFile({ file, options, emit: (e) => queue.push(e), signal: controller.signal }));
        } catch (e) {
          if (controller.signal.aborted && !(e instanceof LlamagateError && e.category !== "interrupted")) return;
          const error =
            e instanceof LlamagateError
              ? e
              : new LlamagateError("INTERNAL", "internal", `${file.displayName}: ${(e as Error)?.message ?? e}`, {
                  cause: e,
                });
          failed.push({
            error,
            file: {
              name: file.displayName,
              path: file.destPath,
              code: error.code,
              category: error.category,
              message: error.message,
            },
          });
          queue.push({ type: "file-error", name: file.displayName, path: file.destPath, error });
          if (FATAL.has(error.category)) controller.abort();
        }
      },
      { stopWhen: () => controller.signal.aborted, afterLast: () => tail.helpOne() },
    ).finally(() => {
      finished = true;
      queue.wake();
    });
    for (;;) {
      for (const e of queue.drain()) yield e;
      if (finished) break;
      await queue.wait();
    }
    await running;
    for (const e of queue.drain()) yield e;
  } finally {
    outer?.removeEventListener("abort", onOuterAbort);
    controller.abort();
    await running?.catch(() => {});
    await pool.close();
    await ownDispatcher?.close().catch(() => {});
    await lock?.release();
  }

  const order = new Map(files.map((f, i) => [f.destPath, i]));
  done.sort((a, b) => order.get(a.path)! - order.get(b.path)!);
  const summary: DownloadSummary = {
    files: done,
    failed: failed.map((f) => f.file),
    totals: {
      files: done.length,
      skipped: done.filter((f) => f.skipped).length,
      bytes: done.reduce((s, f) => s + f.size, 0),
      bytesTransferred: done.reduce((s, f) => s + f.bytesTransferred, 0),
      bytesReused: done.reduce((s, f) => s + f.bytesReused, 0),
      retries: done.reduce((s, f) => s + f.retries, 0),
    },
    seconds: (performance.now() - t0) / 1000,
    retries: done.reduce((s, f) => s + f.retries, 0),
  };
  yield { type: "summary", summary };
  const first = failed.find((f) => f.error.category !== "interrupted")?.error;
  if (first) {
    if (failed.length > 1) Object.assign(first, { details: { ...(first.details ?? {}), failed: summary.failed } });
    throw first;
  }
  if (outer?.aborted || failed.length) throw new InterruptedError();
  return summary;
}

/** Drain downloadFilesIter and return its summary (throws like the iterator). */
export async function downloadFiles(params: DownloadFilesParams): Promise<DownloadSummary> {
  return drainIter(downloadFilesIter(params));
}

function validate(params: DownloadFilesParams): void {
  const seen = new Set<string>();
  for (const f of params.files) {
    if (!isAbsolute(f.destPath))
      throw new UsageError(`Destination path of ${f.displayName} must be absolute.`, { code: "BAD_DEST" });
    const key = resolve(f.destPath);
    if (seen.has(key))
      throw new UsageError(`${f.displayName} appears twice in the download plan.`, { code: "DUPLICATE_DEST" });
    seen.add(key);
    let u: URL;
    try {
      u = new URL(f.url);
    } catch {
      throw new UsageError(`The address of ${f.displayName} is not a valid URL.`, { code: "BAD_URL" });
    }
    if (u.protocol !== "https:" && u.protocol !== "http:")
      throw new UsageError(`The address of ${f.displayName} must be http(s).`, { code: "BAD_URL" });
  }
}

function totalOf(files: DownloadFilesParams["files"]): number | undefined {
  let t = 0;
  for (const f of files) {
    if (f.expectedSize === undefined) return undefined;
    t += f.expectedSize;
  }
  return t;
}

/** `path` is `dir` or below it. */
function isInside(dir: string, path: string): boolean {
  const d = resolve(dir);
  const p = resolve(path);
  return p === d || p.startsWith(d.endsWith(sep) ? d : d + sep);
}

/** The deepest folder that contains every path's parent. */
function commonDir(paths: string[]): string | undefined {
  if (paths.length === 0) return undefined;
  let parts = dirname(paths[0]!).split(sep);
  for (const p of paths.slice(1)) {
    const q = dirname(p).split(sep);
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}

/** Bytes still to write (sizes known only), against the free space of the destination filesystem. */
async function preflight(files: DownloadFilesParams["files"], dir: string): Promise<void> {
  let needed = 0;
  for (const f of files) {
    if (f.expectedSize === undefined) continue;
    const have = await stat(f.destPath).then(
      (s) => (s.size === f.expectedSize ? s.size : 0),
      () => 0,
    );
    if (have) continue;
    const partial = await peekPartialSize(f.destPath);
    needed += Math.max(0, f.expectedSize - partial);
  }
  if (needed > 0) await checkFreeSpace({ dir, neededBytes: needed });
}

async function peekPartialSize(dest: string): Promise<number> {
  try {
    return (await claimPartial({ dest })).size;
  } catch {
    return 0;
  }
}
