import type { CliContext } from "../context.js";
import {
  createDownloadProgress,
  type DownloadProgress,
  type DownloadProgressOptions,
} from "./create-download-progress.js";

/**
 * Drain an event generator (downloadFilesIter, or a pipeline's iterator whose events include the
 * engine's) while rendering it; returns the generator's return value. Errors propagate after the bars
 * are removed.
 */
export async function renderDownloadProgress<E extends { type: string }, S>(
  ctx: CliContext,
  events: AsyncGenerator<E, S>,
  opts: DownloadProgressOptions & { onEvent?: (e: E, progress: DownloadProgress) => void } = {},
): Promise<S> {
  const progress = createDownloadProgress(ctx, opts);
  try {
    for (;;) {
      const r = await events.next();
      if (r.done) return r.value;
      opts.onEvent?.(r.value, progress);
      progress.onEvent(r.value);
    }
  } finally {
    progress.stop();
  }
}
