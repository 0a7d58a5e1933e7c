import type { Dispatcher } from "undici";
import { discardBody } from "../../core/http/discard-body.js";
import { sendRequest } from "../../core/http/send-request.js";
import { withDispatcher } from "../../core/http/with-dispatcher.js";

export interface ProbeMetaFileSizeParams {
  /** Signed file URL (secret: never rendered). */
  url: string;
  /** undici dispatcher (tests, proxies). */
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

/**
 * Learn a file's size with a one-byte ranged GET (CloudFront refuses HEAD on Meta's links). Costs one request,
 * so it is only used when the user opted into multi-part downloads. Returns undefined when the size cannot be
 * learned (the file is then fetched as one stream); errors are left to the real download to report.
 */
export async function probeMetaFileSize({
  url,
  dispatcher,
  signal,
}: ProbeMetaFileSizeParams): Promise<number | undefined> {
  try {
    return await withDispatcher(dispatcher, async (d) => {
      const res = await sendRequest({ url, range: { start: 0, end: 0 }, dispatcher: d, signal });
      const range = res.headers["content-range"];
      const length = res.headers["content-length"];
      // Read the one byte (keeps the connection); a whole file (Range ignored) is cut off instead.
      if (res.status === 206) for await (const _ of res.body) void _;
      else discardBody(res.body);
      const total = typeof range === "string" ? /\/(\d+)$/.exec(range)?.[1] : undefined;
      if (res.status === 206 && total) return Number(total);
      if (res.status === 200 && typeof length === "string" && /^\d+$/.test(length)) return Number(length);
      return undefined;
    });
  } catch {
    return undefined;
  }
}
