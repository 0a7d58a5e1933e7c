import type { Dispatcher } from "undici";
import { discardBody } from "../../../core/http/discard-body.js";
import { parseRetryAfter } from "../../../core/http/parse-retry-after.js";
import { sendRequest } from "../../../core/http/send-request.js";
import { withRetry, type RetryPolicy } from "../../../core/retry.js";
import { LlamagateError } from "../../../core/errors.js";
import { XetBadResponseError, XetReconstructionError, XetTokenExpiredError } from "./errors.js";
import type { XetTokenSource } from "./create-xet-token-source.js";

/** One byte range of a xorb fetch: chunks [chunkStart, chunkEnd) are the bytes [byteStart, byteEnd] (inclusive). */
export interface XorbRange {
  chunkStart: number;
  chunkEnd: number;
  byteStart: number;
  byteEnd: number;
}

/** One HTTP request's worth of xorb data: a signed URL and the ranges it authorises. */
export interface XorbFetch {
  /** Xorb hash. */
  hash: string;
  /** Signed URL (a secret: never printed). */
  url: string;
  /** Ranges in ascending order. */
  ranges: XorbRange[];
}

/** A reconstruction (v2, or v1 brought to the same shape), checked for shape and consistency. */
export interface XetReconstruction {
  offsetIntoFirstRange: number;
  terms: { hash: string; chunkStart: number; chunkEnd: number; unpackedLength: number }[];
  fetches: XorbFetch[];
  /** "v2", or "v1" when the service has no v2. */
  version: "v1" | "v2";
}

const MAX_BODY = 256 << 20;

/** A status worth another try, thrown inside the retry loop. */
class RetryableStatus extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * `GET {casUrl}/v2/reconstructions/{fileHash}` with the storage token (hub-docs docs/xet/api.md), falling back to
 * `/v1/` on 404 or 501, optionally for the file's bytes from `rangeStart` on. 5xx, 429 and network errors are retried
 * with the engine's policy (then XET_RECONSTRUCTION_FAILED); a 401 fetches a new token from the Hub once (then
 * XET_TOKEN_EXPIRED). The reply is checked: every term has a fetch range covering its chunks, every number is sane.
 */
export async function fetchReconstruction(p: {
  fileHash: string;
  /** First file byte wanted (a `Range: bytes=N-` request); 0 for the whole file. */
  rangeStart: number;
  tokens: XetTokenSource;
  dispatcher: Dispatcher;
  policy: RetryPolicy;
  /** The file's name in messages. */
  displayName: string;
  onRetry?: (i: { attempt: number; reason: string; waitMs: number }) => void;
  signal?: AbortSignal;
}): Promise<XetReconstruction> {
  let version: "v1" | "v2" = "v2";
  let refreshed = false;
  const once = async (): Promise<XetReconstruction> => {
    const token = await p.tokens.get();
    const url = `${token.casUrl}/${version}/reconstructions/${encodeURIComponent(p.fileHash)}`;
    const res = await sendRequest({
      url,
      headers: { authorization: `Bearer ${token.accessToken}`, "user-agent": "llamagate" },
      ...(p.rangeStart > 0 ? { range: { start: p.rangeStart } } : {}),
      redirects: "same-origin",
      dispatcher: p.dispatcher,
      signal: p.signal,
      displayName: p.displayName,
    });
    if (res.status === 401) {
      discardBody(res.body);
      p.tokens.expired(token);
      if (refreshed) throw new XetTokenExpiredError(p.displayName);
      refreshed = true;
      throw new RetryableStatus(401, 0);
    }
    if (version === "v2" && (res.status === 404 || res.status === 501)) {
      discardBody(res.body);
      version = "v1";
      throw new RetryableStatus(res.status, 0);
    }
    if (res.status === 429 || res.status === 408 || res.status >= 500) {
      discardBody(res.body);
      throw new RetryableStatus(res.status, parseRetryAfter(res.headers));
    }
    if (res.status !== 200) {
      discardBody(res.body);
      throw new XetBadResponseError(p.displayName, `reconstruction answered HTTP ${res.status}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) {
        discardBody(res.body);
        throw new XetBadResponseError(p.displayName, "a reconstruction over 256 MiB");
      }
      chunks.push(c as Buffer);
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      throw new XetBadResponseError(p.displayName, "a reconstruction that is not JSON");
    }
    const r = normalize(json, version);
    if (typeof r === "string") throw new XetBadResponseError(p.displayName, r);
    return r;
  };
  try {
    return await withRetry({
      fn: once,
      classify: (e) => {
        if (e instanceof RetryableStatus)
          return {
            retry: true,
            reason: e.message,
            ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
          };
        if (e instanceof LlamagateError) return { retry: false };
        return { retry: true, reason: "network error" };
      },
      policy: p.policy,
      signal: p.signal,
      onRetry: (i) => {
        // A v1 fallback or a token refresh is not a failure worth telling.
        if (
          i.error instanceof RetryableStatus &&
          (i.error.status === 401 || i.error.status === 404 || i.error.status === 501)
        )
          return;
        p.onRetry?.({ attempt: i.attempt, reason: `Xet reconstruction: ${i.reason}`, waitMs: i.waitMs });
      },
    });
  } catch (e) {
    if (e instanceof RetryableStatus) throw new XetReconstructionError(p.displayName, e.message);
    if (e instanceof LlamagateError) throw e;
    throw new XetReconstructionError(p.displayName, "network error", { cause: e });
  }
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isHash = (v: unknown): v is string => typeof v === "string" && /^[0-9a-f]{64}$/.test(v);
const isUrl = (v: unknown): v is string => {
  if (typeof v !== "string") return false;
  try {
    const u = new URL(v);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
};

/** Bring a v1 or v2 reply to one shape, or say what is wrong with it. */
function normalize(json: unknown, version: "v1" | "v2"): XetReconstruction | string {
  const j = json as Record<string, unknown> | null;
  if (!j || typeof j !== "object" || !Array.isArray(j.terms)) return "a reconstruction without terms";
  const offset = j.offset_into_first_range ?? 0;
  if (!isCount(offset)) return "a bad offset_into_first_range";
  const terms: XetReconstruction["terms"] = [];
  for (const t of j.terms as Record<string, unknown>[]) {
    const range = t?.range as Record<string, unknown> | undefined;
    if (!isHash(t?.hash) || !isCount(range?.start) || !isCount(range?.end) || !isCount(t.unpacked_length))
      return "a malformed term";
    if (range.end <= range.start || t.unpacked_length === 0) return "an empty term";
    terms.push({ hash: t.hash, chunkStart: range.start, chunkEnd: range.end, unpackedLength: t.unpacked_length });
  }
  const fetches: XorbFetch[] = [];
  const checkRange = (r: XorbRange) => r.chunkEnd > r.chunkStart && r.byteEnd >= r.byteStart;
  if (version === "v2") {
    const xorbs = j.xorbs as Record<string, unknown> | undefined;
    if (!xorbs || typeof xorbs !== "object") return "a reconstruction without xorbs";
    for (const [hash, entries] of Object.entries(xorbs)) {
      if (!isHash(hash) || !Array.isArray(entries)) return "a malformed xorb entry";
      for (const e of entries as Record<string, unknown>[]) {
        if (!isUrl(e?.url) || !Array.isArray(e.ranges) || e.ranges.length === 0) return "a malformed xorb fetch";
        const ranges: XorbRange[] = [];
        for (const r of e.ranges as Record<string, Record<string, unknown>>[]) {
          const x = {
            chunkStart: r?.chunks?.start,
            chunkEnd: r?.chunks?.end,
            byteStart: r?.bytes?.start,
            byteEnd: r?.bytes?.end,
          };
          if (!isCount(x.chunkStart) || !isCount(x.chunkEnd) || !isCount(x.byteStart) || !isCount(x.byteEnd))
            return "a malformed xorb range";
          const range = x as XorbRange;
          if (!checkRange(range)) return "an empty xorb range";
          if (ranges.length && ranges[ranges.length - 1]!.byteEnd >= range.byteStart) return "overlapping xorb ranges";
          ranges.push(range);
        }
        fetches.push({ hash, url: e.url, ranges });
      }
    }
  } else {
    const info = j.fetch_info as Record<string, unknown> | undefined;
    if (!info || typeof info !== "object") return "a reconstruction without fetch_info";
    for (const [hash, entries] of Object.entries(info)) {
      if (!isHash(hash) || !Array.isArray(entries)) return "a malformed fetch_info entry";
      for (const e of entries as Record<string, Record<string, unknown>>[]) {
        const x = {
          chunkStart: e?.range?.start,
          chunkEnd: e?.range?.end,
          byteStart: e?.url_range?.start,
          byteEnd: e?.url_range?.end,
        };
        if (
          !isUrl(e?.url) ||
          !isCount(x.chunkStart) ||
          !isCount(x.chunkEnd) ||
          !isCount(x.byteStart) ||
          !isCount(x.byteEnd)
        )
          return "a malformed fetch_info entry";
        const range = x as XorbRange;
        if (!checkRange(range)) return "an empty fetch_info range";
        fetches.push({ hash, url: e.url as unknown as string, ranges: [range] });
      }
    }
  }
  for (const t of terms) {
    const covered = fetches.some(
      (f) => f.hash === t.hash && f.ranges.some((r) => r.chunkStart <= t.chunkStart && r.chunkEnd >= t.chunkEnd),
    );
    if (!covered) return "a term without a fetch range for its chunks";
  }
  if (terms.length && offset >= terms[0]!.unpackedLength) return "offset_into_first_range past the first term";
  return { offsetIntoFirstRange: offset, terms, fetches, version };
}
