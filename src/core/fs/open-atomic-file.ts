import { unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { InterruptedError } from "../errors.js";
import { ensureDirInside } from "./ensure-dir-inside.js";
import { fileWriteback } from "./background-writeback.js";
import { filesystemErrorFrom, type FsErrorContext } from "./filesystem-error-from.js";
import { openRegularFile } from "./open-regular-file.js";
import { renameIntoPlace } from "./rename-into-place.js";
import { tempPathFor } from "./temp-path-for.js";

/** Sequential writer to an unpredictable temporary file that becomes `path` only on commit. */
export interface AtomicFile {
  /** The temporary file being written. */
  readonly tempPath: string;
  /**
   * Append bytes (short writes are continued). The file position is reserved when called, so several
   * writes may be in flight at once (each buffer must stay untouched until its promise settles).
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Bytes written so far (including writes still in flight). */
  readonly position: number;
  /** fsync (unless `sync: false`), close and rename onto the final path. */
  commit(): Promise<void>;
  /** Close and delete the temporary file (safe to call after a failure, and twice). */
  abort(): Promise<void>;
}

/** Default bytes between background flushes (write-behind). */
const FLUSH_EVERY = 128 * 2 ** 20;

/**
 * The one atomic writer (format writers, convert, sidecars and state files). The temporary name beside
 * `path` is unpredictable and created with O_EXCL | O_NOFOLLOW; the kernel's writeback starts every
 * `flushEvery` bytes in the background (one fsync at commit then stays short); nothing appears under
 * the final name unless every byte was written and synced. fs errors come out of the one errno mapper
 * (a full disk is DISK_FULL, with a hint naming `flag`).
 */
export async function openAtomicFile(params: {
  /** Final file path. */
  path: string;
  /** Bytes between background flushes. @default 128 MiB */
  flushEvery?: number;
  /** fsync before the rename (false for small state files rewritten every second). @default true */
  sync?: boolean;
  /** What hints say (the flag that picks the location, what is kept). */
  errorContext?: FsErrorContext;
  /** Permission bits of the new file (0o600 for state that names upload locations). @default 0o644 */
  mode?: number;
  /**
   * The destination `path` must stay inside: its folders are created and checked one by one (no planted
   * folder link is followed; see ensureDirInside) before the temporary file is made and again before the rename.
   */
  root?: string;
  signal?: AbortSignal;
}): Promise<AtomicFile> {
  const { path, signal } = params;
  const ctx: FsErrorContext = { fallbackCode: "WRITE_FAILED", ...params.errorContext };
  const fail = (action: string, e: unknown) => filesystemErrorFrom(e, path, action, ctx);
  const tempPath = tempPathFor(path);
  let handle: FileHandle | undefined;
  if (params.root) await ensureDirInside({ root: params.root, dir: dirname(path), errorContext: params.errorContext });
  try {
    handle = await openRegularFile({ path: tempPath, mode: "create", createMode: params.mode });
  } catch (e) {
    throw fail("create", e);
  }
  const fh = handle;
  const writeback = fileWriteback({ fh, gate: { inFlight: 0, max: 1 }, everyBytes: params.flushEvery ?? FLUSH_EVERY });
  let position = 0;
  let done = false;
  return {
    tempPath,
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
          const { bytesWritten } = await fh.write(bytes, off, Math.min(bytes.length - off, 1 << 30), at + off);
          if (bytesWritten === 0) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
          off += bytesWritten;
        }
      } catch (e) {
        throw fail("write", e);
      }
      writeback.wrote(bytes.length);
    },
    async commit() {
      if (signal?.aborted) throw new InterruptedError();
      try {
        await writeback.settle();
        if (params.sync !== false) await fh.sync();
        await renameIntoPlace({
          from: tempPath,
          to: path,
          expect: await fh.stat(),
          syncDir: params.sync !== false,
          root: params.root,
        });
        done = true;
        handle = undefined;
        await fh.close();
      } catch (e) {
        throw fail("finish", e);
      }
    },
    async abort() {
      if (done) return;
      done = true;
      await writeback.settle().catch(() => undefined); // never close the descriptor under a background flush
      await handle?.close().catch(() => undefined);
      handle = undefined;
      await unlink(tempPath).catch(() => undefined);
    },
  };
}
