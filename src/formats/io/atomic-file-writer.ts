import { randomBytes } from "node:crypto";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FilesystemError, InterruptedError } from "../../core/errors.js";

/** Sequential writer to a process-unique temporary file that becomes `path` only on commit. */
export interface AtomicFileWriter {
  /**
   * Append bytes (short writes are retried). The file position is reserved when called, so several
   * writes may be in flight at once (each buffer must stay untouched until its promise settles).
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Bytes written so far (including writes still in flight). */
  readonly position: number;
  /** fsync, close and rename onto the final path. */
  commit(): Promise<void>;
  /** Close and delete the temporary file (safe to call after a failure, and twice). */
  abort(): Promise<void>;
}

/** Default bytes between background flushes (see maybeFlush). */
const FLUSH_EVERY = 128 * 2 ** 20;

function fsError(action: string, path: string, e: unknown): FilesystemError {
  const code = (e as NodeJS.ErrnoException).code ?? "error";
  const hint =
    code === "ENOSPC"
      ? "Free some disk space or choose another --out."
      : code === "EACCES" || code === "EPERM" || code === "EROFS"
        ? "Choose a writable --out location."
        : "Check the output location.";
  return new FilesystemError("WRITE_FAILED", `Cannot ${action} ${basename(path)} (${code}).`, { cause: e, hint });
}

/**
 * Open a temp file beside `path` (same directory, so the final rename is atomic). Nothing ever
 * appears under the final name unless every byte was written and synced.
 */
export async function openAtomicFileWriter(params: {
  /** Final file path. */
  path: string;
  /** Bytes between background flushes (default 128 MiB). */
  flushEvery?: number;
  signal?: AbortSignal;
}): Promise<AtomicFileWriter> {
  const { path, signal } = params;
  const flushEvery = params.flushEvery ?? FLUSH_EVERY;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, "wx");
  } catch (e) {
    throw fsError("create", path, e);
  }
  let position = 0;
  let done = false;
  // Write-behind: start the disk on what is written so far every FLUSH_EVERY bytes, in the
  // background (Linux only writes dirty pages back on its own once 10% of RAM is dirty, so a
  // multi-GB file would otherwise all hit the disk in the final fsync, with the CPU idle). The
  // one fsync at commit still makes the file durable; an error seen here is reported there.
  let flushedAt = 0;
  let flushing: Promise<void> | undefined;
  let flushError: unknown;
  const maybeFlush = () => {
    if (flushing || !handle || position - flushedAt < flushEvery) return;
    flushedAt = position;
    flushing = handle
      .datasync()
      .catch((e: unknown) => {
        flushError ??= e;
      })
      .finally(() => {
        flushing = undefined;
      });
  };
  return {
    get position() {
      return position;
    },
    async write(bytes: Uint8Array) {
      if (signal?.aborted) throw new InterruptedError();
      const at = position;
      position += bytes.length;
      let off = 0;
      try {
        while (off < bytes.length) {
          const { bytesWritten } = await handle!.write(bytes, off, Math.min(bytes.length - off, 1 << 30), at + off);
          off += bytesWritten;
        }
      } catch (e) {
        throw fsError("write", path, e);
      }
      maybeFlush();
    },
    async commit() {
      if (signal?.aborted) throw new InterruptedError();
      try {
        await flushing;
        if (flushError !== undefined) throw flushError;
        await handle!.sync();
        await handle!.close();
        handle = undefined;
        await rename(tmp, path);
        done = true;
      } catch (e) {
        throw fsError("finish", path, e);
      }
    },
    async abort() {
      if (done) return;
      done = true;
      await flushing; // never close the descriptor under a background flush
      await handle?.close().catch(() => undefined);
      handle = undefined;
      await unlink(tmp).catch(() => undefined);
    },
  };
}
