import { request, type Dispatcher } from "undici";

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
export async function probeMetaFileSize({ url, dispatcher, signal }: ProbeMetaFileSizeParams): Promise<number | undefined> {
  try {
    const res = await request(url, { method: "GET", headers: { range: "bytes=0-0" }, dispatcher, signal });
    const range = res.headers["content-range"];
    const length = res.headers["content-length"];
    // dump() discards the body (closing the connection quietly if it is a whole file: Range was ignored).
    await res.body.dump().catch(() => {});
    const total = typeof range === "string" ? /\/(\d+)$/.exec(range)?.[1] : undefined;
    if (res.statusCode === 206 && total) return Number(total);
    if (res.statusCode === 200 && typeof length === "string" && /^\d+$/.test(length)) return Number(length);
    return undefined;
  } catch {
    return undefined;
  }
}
