import type { Dispatcher } from "undici";
import { LlamagateError } from "../../core/errors.js";
import { discardBody } from "../../core/http/discard-body.js";
import { parseRetryAfter } from "../../core/http/parse-retry-after.js";
import { sendRequest } from "../../core/http/send-request.js";
import { withDispatcher } from "../../core/http/with-dispatcher.js";
import { redactUrl } from "../../core/redact.js";
import { withRetry } from "../../core/retry.js";
import { HubHttpError, RateLimitedError } from "./errors.js";

/** A buffered Hub response (API bodies are small; file bodies never go through here). */
export interface HubResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The URL finally answered (after same-origin relative redirects). */
  url: string;
}

export interface HubRequestParams {
  /** Absolute URL on the Hub endpoint. */
  url: string;
  /** HTTP method; HEAD for file metadata. */
  method?: "GET" | "HEAD";
  /** Bearer token; only ever sent to the URL's own origin. */
  token?: string;
  /** undici dispatcher (tests, proxies). @default a keep-alive Agent owned by this call */
  dispatcher?: Dispatcher;
  /** Cancels waits and requests. */
  signal?: AbortSignal;
  /** Retries for 429, 5xx and network errors (default 5, like huggingface_hub). */
  maxRetries?: number;
  /** Longest wait between tries in seconds (default 60); Retry-After beyond it still counts as one try. */
  maxWaitSeconds?: number;
  /** Called before each wait, e.g. so the CLI can say "rate limited, retrying in 5 s". */
  onRetry?: (info: { status?: number; waitSeconds: number; attempt: number; url: string }) => void;
  /** Wait function (tests); default is a timer that honours `signal`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random source for the backoff jitter (tests). */
  random?: () => number;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const MAX_BODY = 16 * 1024 * 1024;

/** A retryable status, thrown inside the retry loop and unwrapped when the tries are spent. */
class RetryableStatus extends Error {
  constructor(readonly response: HubResponse) {
    super(`HTTP ${response.status}`);
  }
}

/**
 * One Hub API call over the one request helper (core/http/send-request.ts) and the one retry loop
 * (core/retry.ts): no cross-origin redirects (a relative redirect after a repo rename is followed; a
 * CDN redirect is returned as data), 429/5xx/network errors retried with Retry-After/RateLimit waits or
 * exponential backoff with jitter (1..8 s). Non-retryable statuses come back to the caller for classification.
 */
export async function hubRequest(params: HubRequestParams): Promise<HubResponse> {
  const safeUrl = redactUrl(params.url);
  const policy = {
    attempts: params.maxRetries ?? 5,
    baseMs: 1000,
    maxMs: 8000,
    maxRetryAfterMs: (params.maxWaitSeconds ?? 60) * 1000,
  };
  return withDispatcher(params.dispatcher, async (dispatcher) => {
    try {
      return await withRetry({
        fn: async () => {
          const res = await once(params, dispatcher);
          if (RETRY_STATUS.has(res.status)) throw new RetryableStatus(res);
          return res;
        },
        classify: (e) => {
          if (e instanceof RetryableStatus) {
            return { retry: true, reason: e.message, retryAfterMs: parseRetryAfter(e.response.headers) };
          }
          return { retry: !(e instanceof LlamagateError), reason: "network error" };
        },
        policy,
        signal: params.signal,
        sleep: params.sleep,
        random: params.random,
        onRetry: (i) =>
          params.onRetry?.({
            ...(i.error instanceof RetryableStatus ? { status: i.error.response.status } : {}),
            waitSeconds: i.waitMs / 1000,
            attempt: i.attempt,
            url: safeUrl,
          }),
      });
    } catch (e) {
      if (e instanceof RetryableStatus) {
        if (e.response.status !== 429) return e.response;
        const told = parseRetryAfter(e.response.headers);
        throw new RateLimitedError(safeUrl, told === undefined ? undefined : Math.ceil(told / 1000));
      }
      if (e instanceof LlamagateError) throw e;
      throw new HubHttpError(`Could not reach the Hub at ${safeUrl}: ${(e as Error).message}.`, {
        hint: "Check your connection, proxy and HF_ENDPOINT; set HF_HUB_OFFLINE=1 to use only the local cache.",
        cause: e,
      });
    }
  });
}

async function once(params: HubRequestParams, dispatcher: Dispatcher): Promise<HubResponse> {
  const headers: Record<string, string> = { "user-agent": "llamagate" };
  if (params.token) headers.authorization = `Bearer ${params.token}`;
  const r = await sendRequest({
    url: params.url,
    method: params.method ?? "GET",
    headers,
    redirects: "same-origin",
    maxRedirects: 5,
    dispatcher,
    signal: params.signal,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of r.body) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) {
      discardBody(r.body);
      throw new Error("response body too large");
    }
    chunks.push(c as Buffer);
  }
  return { status: r.status, headers: r.headers, body: Buffer.concat(chunks), url: r.url };
}

/** A header value as one string. */
export function header(headers: HubResponse["headers"], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
