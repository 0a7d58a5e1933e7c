import type { Dispatcher } from "undici";
import { discardBody } from "../../../core/http/discard-body.js";
import { parseRetryAfter } from "../../../core/http/parse-retry-after.js";
import { sendRequest } from "../../../core/http/send-request.js";
import type { RateLimiter } from "../../../download/create-rate-limiter.js";
import { HttpStatusError, TransferNetworkError } from "../../../download/errors.js";
import { networkError } from "../../../download/network-error.js";
import { createByteReader, type ByteReader } from "./create-byte-reader.js";
import { decodeChunk } from "./decode-chunk.js";
import { XetBadResponseError, XetCorruptChunkError, XorbUrlRefused } from "./errors.js";
import type { XorbRange } from "./fetch-reconstruction.js";
import { CHUNK_HEADER_BYTES, parseChunkHeader } from "./parse-chunk-header.js";

/**
 * One request for some ranges of a xorb, all in one `Range` header (`multipart/byteranges` when there are several,
 * hub-docs docs/xet/download-protocol.md), decoded chunk by chunk while it streams: `onChunk` gets each chunk's raw
 * bytes in order, so at most one chunk per connection is held. A server that ignores Range (200, the whole xorb) is
 * read through to the ranges. Every length is checked: a range must hold exactly its chunks, each chunk exactly its
 * header's lengths (XET_CORRUPT_CHUNK otherwise, before any byte of that chunk is handed on). A dropped body is a
 * retryable network error; 403 is XorbUrlRefused; 429/5xx are retryable HttpStatusErrors.
 */
export async function fetchXorb(p: {
  url: string;
  ranges: readonly XorbRange[];
  displayName: string;
  dispatcher: Dispatcher;
  rateLimiter?: RateLimiter;
  stallTimeoutMs: number;
  /** Told every body byte count as it arrives. */
  onBytes: (n: number) => void;
  /** A decoded chunk of `ranges[rangeIndex]`, chunk index `chunk` in the xorb. */
  onChunk: (rangeIndex: number, chunk: number, data: Buffer) => Promise<void> | void;
  signal: AbortSignal;
}): Promise<void> {
  const spec = p.ranges.map((r) => `${r.byteStart}-${r.byteEnd}`).join(",");
  let res;
  try {
    res = await sendRequest({
      url: p.url,
      headers: { range: `bytes=${spec}`, "user-agent": "llamagate" },
      dispatcher: p.dispatcher,
      signal: p.signal,
      headersTimeoutMs: p.stallTimeoutMs,
      bodyTimeoutMs: p.stallTimeoutMs,
      displayName: p.displayName,
    });
  } catch (e) {
    throw networkError(e, p.displayName, p.signal);
  }
  if (res.status === 401 || res.status === 403) {
    discardBody(res.body);
    throw new XorbUrlRefused(res.status);
  }
  if (res.status !== 200 && res.status !== 206) {
    discardBody(res.body);
    throw new HttpStatusError(p.displayName, res.status, { retryAfterMs: parseRetryAfter(res.headers) });
  }
  const reader = createByteReader(
    res.body as AsyncIterable<Buffer>,
    () => new TransferNetworkError(p.displayName, "the Xet storage closed the connection mid-body"),
    async (n) => {
      p.onBytes(n);
      await p.rateLimiter?.take(n, p.signal);
    },
    (e) => networkError(e, p.displayName, p.signal),
  );
  try {
    const type = String(res.headers["content-type"] ?? "");
    const boundary = /multipart\/byteranges/i.test(type) ? /boundary="?([^";]+)"?/i.exec(type)?.[1] : undefined;
    if (res.status === 200) {
      // The whole xorb: skip to each range in turn.
      let at = 0;
      for (const [i, r] of p.ranges.entries()) {
        await skip(reader, r.byteStart - at);
        await readRange(reader, r, i, p);
        at = r.byteEnd + 1;
      }
    } else if (boundary) {
      await readMultipart(reader, boundary, p);
    } else {
      if (p.ranges.length !== 1) throw new XetBadResponseError(p.displayName, "one range where several were asked for");
      const cr = /^bytes (\d+)-(\d+)\//.exec(String(res.headers["content-range"] ?? ""));
      const r = p.ranges[0]!;
      if (cr && (Number(cr[1]) !== r.byteStart || Number(cr[2]) !== r.byteEnd))
        throw new XetBadResponseError(p.displayName, "another byte range than the one asked for");
      await readRange(reader, r, 0, p);
    }
  } finally {
    discardBody(res.body);
  }
}

async function skip(reader: ByteReader, n: number): Promise<void> {
  for (let left = n; left > 0;) {
    const k = Math.min(left, 1 << 20);
    await reader.read(k);
    left -= k;
  }
}

/** Decode the chunks of one range: exactly chunkEnd - chunkStart chunks filling exactly its bytes. */
async function readRange(
  reader: ByteReader,
  r: XorbRange,
  index: number,
  p: Parameters<typeof fetchXorb>[0],
): Promise<void> {
  let left = r.byteEnd - r.byteStart + 1;
  for (let chunk = r.chunkStart; chunk < r.chunkEnd; chunk++) {
    if (left < CHUNK_HEADER_BYTES) throw corrupt(p, r, "a range that ends inside a chunk header");
    const header = parseChunkHeader(await reader.read(CHUNK_HEADER_BYTES));
    if (typeof header === "string") throw corrupt(p, r, header);
    left -= CHUNK_HEADER_BYTES;
    if (header.compressedLength > left) throw corrupt(p, r, "a chunk longer than its range");
    const data = decodeChunk(header, await reader.read(header.compressedLength));
    left -= header.compressedLength;
    if (typeof data === "string") throw corrupt(p, r, data);
    await p.onChunk(index, chunk, data);
  }
  if (left !== 0) throw corrupt(p, r, `${left} bytes after the range's last chunk`);
}

function corrupt(p: { displayName: string }, r: XorbRange, what: string): XetCorruptChunkError {
  return new XetCorruptChunkError(p.displayName, `${what}; xorb chunks ${r.chunkStart}-${r.chunkEnd}`);
}

/** multipart/byteranges: each part's Content-Range must be one of the ranges asked for. */
async function readMultipart(reader: ByteReader, boundary: string, p: Parameters<typeof fetchXorb>[0]): Promise<void> {
  const seen = new Set<number>();
  for (;;) {
    let line = await reader.readLine(4096);
    while (line === "") line = await reader.readLine(4096);
    if (line === `--${boundary}--`) break;
    if (line !== `--${boundary}`) throw new XetBadResponseError(p.displayName, "a malformed multipart body");
    let range: [number, number] | undefined;
    for (let h = await reader.readLine(4096); h !== ""; h = await reader.readLine(4096)) {
      const m = /^content-range:\s*bytes (\d+)-(\d+)\//i.exec(h);
      if (m) range = [Number(m[1]), Number(m[2])];
    }
    const i = range ? p.ranges.findIndex((r) => r.byteStart === range[0] && r.byteEnd === range[1]) : -1;
    if (i < 0 || seen.has(i)) throw new XetBadResponseError(p.displayName, "a multipart part that was not asked for");
    seen.add(i);
    await readRange(reader, p.ranges[i]!, i, p);
  }
  if (seen.size !== p.ranges.length) throw new XetBadResponseError(p.displayName, "a multipart body missing ranges");
}
