import type { Dispatcher } from "undici";
import { LlamagateError } from "../core/errors.js";
import { TransferNetworkError } from "./errors.js";

/** An open HTTP response whose body the caller must consume or destroy. */
export interface OpenResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData["body"];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 8;

/**
 * GET (or HEAD) `url`, following redirects by hand so that `headers` (Authorization...) go to the
 * origin of `url` only and are dropped as soon as a redirect leaves that origin. Connection-level
 * failures become TransferNetworkError (retryable); messages never contain the URL.
 */
export async function openResponse(params: {
  /** Where to send the request (may hold secrets). */
  url: string;
  /** Name used in error messages. */
  displayName: string;
  /** Request headers for the origin of `url`. */
  headers?: Record<string, string>;
  /** Inclusive byte range to ask for; `end` undefined = to the end. */
  range?: { start: number; end?: number };
  /** HTTP method. @default "GET" */
  method?: "GET" | "HEAD";
  /** undici dispatcher. */
  dispatcher: Dispatcher;
  /** Aborts the request (and the body). */
  signal: AbortSignal;
  /** Time to wait for response headers, in ms. */
  headersTimeoutMs: number;
}): Promise<OpenResponse> {
  const origin = new URL(params.url).origin;
  let current = new URL(params.url);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (current.origin === origin) Object.assign(headers, params.headers);
    if (params.range) headers.range = `bytes=${params.range.start}-${params.range.end ?? ""}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await params.dispatcher.request({
        origin: current.origin,
        path: current.pathname + current.search,
        method: params.method ?? "GET",
        headers,
        signal: params.signal,
        headersTimeout: params.headersTimeoutMs,
        bodyTimeout: 0, // stalls are detected by the caller's watchdog, which also covers slow disks fairly
      });
    } catch (e) {
      throw networkError(e, params.displayName, params.signal);
    }
    if (!REDIRECTS.has(res.statusCode)) return { status: res.statusCode, headers: res.headers, body: res.body };
    const location = res.headers.location;
    discardBody(res.body);
    if (typeof location !== "string" || hop >= MAX_REDIRECTS) {
      throw new LlamagateError("BAD_REDIRECT", "network", `${params.displayName}: the server sent ${hop >= MAX_REDIRECTS ? "too many redirects" : "a redirect without a Location"}.`, {
        hint: "The server is misconfigured or the link is wrong; get a fresh link.",
      });
    }
    current = new URL(location, current);
    if (current.protocol !== "https:" && current.protocol !== "http:") {
      throw new LlamagateError("BAD_REDIRECT", "network", `${params.displayName}: the server redirected to an unsupported protocol (${current.protocol}).`);
    }
  }
}

/** Map undici / socket errors to a retryable TransferNetworkError with a URL-free reason. */
export function networkError(e: unknown, displayName: string, signal?: AbortSignal): unknown {
  if (e instanceof LlamagateError) return e;
  if (signal?.aborted) return e;
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  const reason =
    code === "UND_ERR_HEADERS_TIMEOUT"
      ? "no response headers in time"
      : code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE"
        ? "connection closed by the server"
        : code === "ECONNREFUSED"
          ? "connection refused"
          : code === "ENOTFOUND" || code === "EAI_AGAIN"
            ? "host name could not be resolved"
            : code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT"
              ? "connection timed out"
              : code
                ? `network error (${code})`
                : "network error";
  return new TransferNetworkError(displayName, reason, { cause: e });
}

/** Throw a response body away without an unhandled 'error' event (destroy emits one in undici). */
export function discardBody(body: OpenResponse["body"]): void {
  body.on("error", () => {});
  body.destroy();
}
