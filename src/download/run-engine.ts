import type { LlamagateError } from "../core/errors.js";
import { downloadFilesIter } from "./download-files.js";
import type { DownloadEvent, DownloadSummary } from "./types.js";

/**
 * Run one engine batch inside a source pipeline, forwarding its events. The engine lets the other files
 * finish when one fails; the first failed file's error is thrown once the batch is over.
 */
export async function* runEngine(
  params: Parameters<typeof downloadFilesIter>[0],
): AsyncGenerator<DownloadEvent, DownloadSummary> {
  let firstError: LlamagateError | undefined;
  const it = downloadFilesIter(params);
  for (;;) {
    const r = await it.next();
    if (r.done) {
      if (firstError) throw firstError;
      return r.value;
    }
    if (r.value.type === "file-error" && !firstError) firstError = r.value.error;
    yield r.value;
  }
}
