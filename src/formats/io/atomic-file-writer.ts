import { openAtomicFile, type AtomicFile } from "../../core/fs/open-atomic-file.js";

/** Sequential writer to an unpredictable temporary file that becomes `path` only on commit. */
export type AtomicFileWriter = AtomicFile;

/**
 * The format writers' output file: core's one atomic writer (core/fs/open-atomic-file.ts), with hints
 * that name `--out`. Nothing ever appears under the final name unless every byte was written and synced.
 */
export async function openAtomicFileWriter(params: {
  /** Final file path. */
  path: string;
  /** Bytes between background flushes (default 128 MiB). */
  flushEvery?: number;
  signal?: AbortSignal;
}): Promise<AtomicFileWriter> {
  return openAtomicFile({
    ...params,
    errorContext: { flag: "--out", kept: "nothing was written under the final name" },
  });
}
