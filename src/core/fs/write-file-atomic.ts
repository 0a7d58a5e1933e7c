import type { FsErrorContext } from "./filesystem-error-from.js";
import { openAtomicFile } from "./open-atomic-file.js";

/**
 * Replace `path` with `data` atomically (unpredictable temp name, O_EXCL | O_NOFOLLOW, rename): a
 * reader sees the old content or the new, never half of it, and no link planted under any name is
 * followed. For small files (sidecars, state, metadata).
 */
export async function writeFileAtomic(params: {
  /** Final path. */
  path: string;
  /** The content (a string is written as UTF-8). */
  data: string | Uint8Array;
  /** fsync before the rename. @default true */
  sync?: boolean;
  /** What hints say on failure. */
  errorContext?: FsErrorContext;
  /** Permission bits of the new file. @default 0o644 */
  mode?: number;
  /** The destination `path` must stay inside (folders created and checked for planted links). */
  root?: string;
  signal?: AbortSignal;
}): Promise<void> {
  const out = await openAtomicFile({
    path: params.path,
    sync: params.sync,
    errorContext: params.errorContext,
    root: params.root,
    mode: params.mode,
    signal: params.signal,
  });
  try {
    await out.write(typeof params.data === "string" ? Buffer.from(params.data, "utf8") : params.data);
    await out.commit();
  } catch (e) {
    await out.abort();
    throw e;
  }
}
