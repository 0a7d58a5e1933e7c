import { lstat, rename, rmdir, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { Dispatcher } from "undici";
import type { RateLimiter } from "./create-rate-limiter.js";
import { InterruptedError, LlamagateError } from "../core/errors.js";
import { ensureDirInside } from "../core/fs/ensure-dir-inside.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import { fileWriteback, type WritebackGate } from "../core/fs/background-writeback.js";
import { openRegularFile } from "../core/fs/open-regular-file.js";
import { renameIntoPlace } from "../core/fs/rename-into-place.js";
import type { RetryPolicy } from "../core/retry.js";
import type { HashPool } from "../verify/hash-pool.js";
import { hashHere } from "../verify/hash-here.js";
import type { HashAlgorithm, HashResult } from "../verify/hash-types.js";
import { checkExisting } from "./check-existing.js";
import { claimPartial } from "./claim-partial.js";
import { ChecksumMismatchError, FileTooLargeError } from "./errors.js";
import { contiguousPrefix, readPartsState, removePartsState } from "./parts-state.js";
import type { TailHelpers } from "./create-tail-helpers.js";
import { transferParts } from "./transfer-parts.js";
import { transferStream, type StreamTransferParams, type StreamTransferResult } from "./transfer-stream.js";
import type { DownloadEvent, FileSummary, HttpErrorInfo, TransferFile } from "./types.js";
import { removeVerifiedSidecar, writeVerifiedSidecar } from "./verified-sidecar.js";

/** Start the disk writeback of a partial file every this many bytes (the fsync before rename is then short). */
const WRITEBACK_EVERY = 32 << 20;

/** Engine settings one file download needs (resolved defaults of DownloadFilesParams). */
export interface FileJobOptions {
  dispatcher: Dispatcher;
  /** The run's bandwidth cap, shared by every connection. */
  rateLimiter?: RateLimiter;
  policy: RetryPolicy;
  stallTimeoutMs: number;
  detectHtml: boolean;
  classifyHttpError?: (info: HttpErrorInfo) => LlamagateError | undefined;
  partsPerFile: number;
  partMinBytes: number;
  progressIntervalMs: number;
  pool: HashPool;
  /** The destination every file stays inside (its folders are checked for planted links). */
  root: string;
  /** Limits background fdatasync calls across all files (see fileWriteback). */
  writebackGate: WritebackGate;
  /** Where arriving bytes are hashed (DownloadFilesParams.hashIn). */
  hashIn: "receiver" | "workers";
  /** Ranges this long or longer are read without undici (DownloadFilesParams.rawBodyMinBytes). */
  rawBodyMinBytes: number;
  /** The run's end-of-transfer helpers (files that allow extra requests accept idle connections). */
  tail?: TailHelpers;
}

/** A file that accepts help at the end of a run is at least this big (smaller ones end soon anyway). */
const TAIL_MIN_FILE = 16 << 20;

/**
 * Download one file to its destination: skip it when it is already complete and verified, resume a
 * partial from an earlier run, hash while writing, move a mismatching copy aside (`<dest>.corrupt`)
 * and fetch it once more, then fsync + rename into place and record a verified sidecar.
 */
export async function downloadFile(params: {
  file: TransferFile;
  options: FileJobOptions;
  emit: (e: DownloadEvent) => void;
  signal: AbortSignal;
}): Promise<FileSummary> {
  const { file, options, emit, signal } = params;
  const t0 = performance.now();
  const algorithms = wantedAlgorithms(file);
  // The first folder this call created, if any: removed again if the transfer is refused before any byte.
  const createdDir = await ensureDirInside({ root: options.root, dir: dirname(file.destPath) });

  const optional = file.hashWhileArriving ?? [];
  const existing = await checkExisting({
    file,
    algorithms: algorithms.filter((a) => !optional.includes(a) || a === file.expectedHash?.algorithm),
    optionalAlgorithms: optional,
    pool: options.pool,
    signal,
  });
  if (existing.kind === "complete") {
    const summary: FileSummary = {
      name: file.displayName,
      path: file.destPath,
      size: existing.size,
      hashes: existing.hashes,
      bytesTransferred: 0,
      bytesReused: existing.size,
      retries: 0,
      skipped: true,
      skipReason: existing.reason,
      verified: file.expectedHash !== undefined,
      seconds: (performance.now() - t0) / 1000,
    };
    emit({ type: "file-done", name: file.displayName, path: file.destPath, file: summary });
    return summary;
  }
  let strikes = 0;
  if (existing.kind === "corrupt") {
    strikes = 1;
    emit({ type: "file-corrupt", name: file.displayName, ...existing.mismatch, movedTo: existing.movedTo });
  }

  let bytesTransferred = 0;
  let retries = 0;
  let firstReused: number | undefined;
  for (;;) {
    if (signal.aborted) throw new InterruptedError();
    const partial = await claimPartial({ dest: file.destPath });
    // A multi-part partial is sparse: its useful bytes are the parts' done counts, not its length.
    const parts = await readPartsState(file.destPath, file.expectedSize);
    const resumeFrom = parts
      ? Math.min(
          partial.size,
          parts.parts.reduce((n, x) => n + x.done, 0),
        )
      : partial.size;
    emit({
      type: "file-start",
      name: file.displayName,
      path: file.destPath,
      totalBytes: file.expectedSize,
      resumeFrom,
    });
    let r: Awaited<ReturnType<typeof transferToPartial>>;
    try {
      r = await transferToPartial(partial.path, partial.size);
    } catch (e) {
      // A refused request (expired or damaged link, 403, 404) leaves no empty partial behind; bytes are kept.
      // A file past its cap keeps nothing at all.
      if (e instanceof FileTooLargeError) await removeOwnFile(partial.path);
      else await removeIfEmpty(partial.path);
      if (createdDir) await removeEmptyFolders(dirname(file.destPath), createdDir);
      throw e;
    }
    firstReused ??= r.bytesReused;
    bytesTransferred += r.bytesTransferred;
    retries += r.retries;
    const hashes = r.hashes;

    if (file.expectedHash) {
      const { algorithm } = file.expectedHash;
      const expected = file.expectedHash.hex.toLowerCase();
      const actual = hashes[algorithm] ?? "";
      if (actual !== expected) {
        strikes++;
        const movedTo = `${file.destPath}.corrupt`;
        await ensureDirInside({ root: options.root, dir: dirname(movedTo), create: false });
        await rename(partial.path, movedTo).catch((e) => {
          throw filesystemErrorFrom(e, movedTo, "move aside");
        });
        emit({ type: "file-corrupt", name: file.displayName, algorithm, expected, actual, movedTo });
        if (strikes >= 2) throw new ChecksumMismatchError(file.displayName, algorithm, expected, actual);
        continue;
      }
    }
    try {
      // Only the very file written above goes into place: never a link or a file swapped in meanwhile.
      await renameIntoPlace({ from: partial.path, to: file.destPath, expect: r.identity, root: options.root });
    } catch (e) {
      throw filesystemErrorFrom(e, file.destPath, "create");
    }
    await removeVerifiedSidecar(file.destPath, file.sidecarPath);
    await writeVerifiedSidecar(file.destPath, hashes, file.sidecarPath);
    const summary: FileSummary = {
      name: file.displayName,
      path: file.destPath,
      size: r.size,
      hashes,
      bytesTransferred,
      bytesReused: firstReused ?? 0,
      retries,
      skipped: false,
      verified: file.expectedHash !== undefined,
      seconds: (performance.now() - t0) / 1000,
    };
    emit({ type: "file-done", name: file.displayName, path: file.destPath, file: summary });
    return summary;
  }

  async function transferToPartial(
    partialPath: string,
    claimedBytes: number,
  ): Promise<StreamTransferResult & { hashes: HashResult; identity: { ino: number; dev: number } }> {
    const { fh, size: startOffset } = await openPartial(partialPath, claimedBytes);
    let lastEmit = 0;
    let lastBytes = startOffset;
    let lastAt = performance.now();
    let speed = 0;
    const onProgress = (bytesDone: number, total: number | undefined) => {
      const now = performance.now();
      if (now - lastEmit < options.progressIntervalMs && bytesDone !== total) return;
      const dt = (now - lastAt) / 1000;
      if (dt > 0)
        speed = speed === 0 ? (bytesDone - lastBytes) / dt : 0.7 * speed + (0.3 * (bytesDone - lastBytes)) / dt;
      lastAt = now;
      lastBytes = bytesDone;
      lastEmit = now;
      emit({
        type: "file-progress",
        name: file.displayName,
        bytesDone,
        totalBytes: total,
        bytesPerSecond: Math.max(0, speed),
      });
    };
    const writeback = fileWriteback({ fh, gate: options.writebackGate, everyBytes: WRITEBACK_EVERY });
    const common: StreamTransferParams = {
      file,
      writeback,
      fh,
      partialPath,
      startOffset,
      dispatcher: options.dispatcher,
      rateLimiter: options.rateLimiter,
      policy: options.policy,
      stallTimeoutMs: options.stallTimeoutMs,
      rawBodyMinBytes: options.rawBodyMinBytes,
      detectHtml: options.detectHtml,
      classifyHttpError: options.classifyHttpError,
      newHasher: (total: number | undefined) =>
        algorithms.length === 0 || (algorithms.includes("git-sha1") && total === undefined)
          ? undefined
          : options.hashIn === "receiver"
            ? hashHere({ algorithms, gitSize: total })
            : options.pool.session({ algorithms, gitSize: total }),
      onProgress,
      onRetry: (i: { attempt: number; reason: string; waitMs: number; bytesDone: number }) =>
        emit({ type: "file-retry", name: file.displayName, ...i }),
      signal,
    };
    try {
      const standard = async (c: StreamTransferParams): Promise<StreamTransferResult> => {
        const useParts =
          options.partsPerFile > 1 &&
          file.allowParts !== false &&
          file.expectedSize !== undefined &&
          file.expectedSize >= 2 * options.partMinBytes;
        // One connection, one request, but idle connections of the run may take over the rest of it at the end.
        const helpable =
          !useParts &&
          options.tail !== undefined &&
          file.allowParts !== false &&
          file.expectedSize !== undefined &&
          file.expectedSize >= TAIL_MIN_FILE;
        if (!useParts && !helpable) {
          // A multi-part partial has holes: keep only its contiguous prefix for a single stream.
          const state = await readPartsState(file.destPath);
          if (state) {
            c.startOffset = Math.min(c.startOffset, contiguousPrefix(state));
            await fh.truncate(c.startOffset).catch((e) => {
              throw filesystemErrorFrom(e, partialPath);
            });
            await removePartsState(file.destPath);
          }
        }
        return useParts
          ? await transferParts({
              ...c,
              parts: options.partsPerFile,
              partMinBytes: options.partMinBytes,
              tail: options.tail,
            })
          : helpable
            ? await transferParts({
                ...c,
                parts: 1,
                partMinBytes: options.partMinBytes,
                onePiece: true,
                tail: options.tail,
              })
            : await transferStream(c);
      };
      const r = file.transfer ? await file.transfer(common, standard) : await standard(common);
      try {
        await writeback.settle();
        await fh.sync();
      } catch (e) {
        throw filesystemErrorFrom(e, partialPath);
      }
      const hashes: HashResult = r.hasher
        ? await r.hasher.digest()
        : algorithms.length
          ? await options.pool.hashFile({ path: partialPath, size: r.size, algorithms, signal })
          : {};
      const { ino, dev } = await fh.stat();
      return { ...r, hashes, identity: { ino, dev } };
    } finally {
      await fh.close().catch(() => {});
    }
  }
}

/** rmdir from `from` up to `top` while the folders are empty (a folder another file is being written to stays). */
async function removeEmptyFolders(from: string, top: string): Promise<void> {
  for (let d = from; d.startsWith(top); d = dirname(d)) {
    if (
      !(await rmdir(d).then(
        () => true,
        () => false,
      ))
    )
      return;
    if (d === top) return;
  }
}

/** Remove a partial file of ours whatever it holds (a regular file only; never a link's target). */
async function removeOwnFile(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (st?.isFile()) await unlink(path).catch(() => {});
}

/** Remove a partial file that holds no byte (a regular file of ours only; never a link's target). */
async function removeIfEmpty(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (st?.isFile() && st.size === 0) await unlink(path).catch(() => {});
}

/**
 * Open this process's partial file without following links: bytes to resume are only taken from a
 * regular file of ours (anything else there is removed and the file starts over); a fresh partial is
 * created with O_EXCL | O_NOFOLLOW, so nothing planted under its name is ever written through.
 */
async function openPartial(partialPath: string, startOffset: number): Promise<{ fh: FileHandle; size: number }> {
  if (startOffset > 0) {
    try {
      const fh = await openRegularFile({ path: partialPath, mode: "update" });
      return { fh, size: Math.min(startOffset, (await fh.stat()).size) };
    } catch {
      // Gone, a link, or a foreign file under our partial's name: drop the name (never a target), start over.
    }
  }
  await unlink(partialPath).catch(() => {});
  try {
    return { fh: await openRegularFile({ path: partialPath, mode: "create" }), size: 0 };
  } catch (e) {
    throw filesystemErrorFrom(e, partialPath, "create");
  }
}

function wantedAlgorithms(file: TransferFile): HashAlgorithm[] {
  const s = new Set<HashAlgorithm>([...(file.hashAlgorithms ?? []), ...(file.hashWhileArriving ?? [])]);
  if (file.expectedHash) s.add(file.expectedHash.algorithm);
  return [...s];
}
