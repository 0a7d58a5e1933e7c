import { request, type Dispatcher } from "undici";
import { InterruptedError } from "../../core/errors.js";
import { redactUrl } from "../../core/redact.js";
import { HubHttpError, RateLimitedError } from "./errors.js";
import { parseRetryWait } from "./parse-retry-wait.js";

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
  /** undici dispatcher (tests, proxies). */
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
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const MAX_BODY = 16 * 1024 * 1024;

/**
 * One Hub API call: no cross-origin redirects (a relative redirect after a repo rename is followed),
 * retries 429/5xx/network errors with Retry-After/RateLimit waits or exponential backoff (1..8 s).
 * Non-retryable statuses come back to the caller for classification.
 */
export async function hubRequest(params: HubRequestParams): Promise<HubResponse> {
  const maxRetries = params.maxRetries ?? 5;
  const sleep = params.sleep ?? defaultSleep;
  let url = params.url;
  let attempt = 0;
  let redirects = 0;
  for (;;) {
    if (params.signal?.aborted) throw new InterruptedError();
    let res: HubResponse;
    try {
      res = await once(url, params);
    } catch (e) {
      if (params.signal?.aborted) throw new InterruptedError();
      if (attempt >= maxRetries) {
        throw new HubHttpError(`Could not reach the Hub at ${redactUrl(url)}: ${(e as Error).message}.`, {
          hint: "Check your connection, proxy and HF_ENDPOINT; set HF_HUB_OFFLINE=1 to use only the local cache.",
          cause: e,
        });
      }
      const wait = Math.min(8, 2 ** attempt);
      attempt++;
      params.onRetry?.({ waitSeconds: wait, attempt, url: redactUrl(url) });
      await sleep(wait * 1000, params.signal);
      continue;
    }
    const location = header(res.headers, "location");
    if (res.status >= 300 && res.status < 400 && location && redirects < 5) {
      const next = new URL(location, url);
      // Only same-origin (relative) redirects are followed here: a renamed repo. A CDN redirect is data.
      if (next.origin === new URL(url).origin) {
        url = next.toString();
        redirects++;
        continue;
      }
    }
    if (RETRY_STATUS.has(res.status)) {
      const told = parseRetryWait(res.headers);
      if (attempt >= maxRetries) {
        if (res.status === 429) throw new RateLimitedError(redactUrl(url), told);
        return res;
      }
      const wait = Math.min(params.maxWaitSeconds ?? 60, told ?? Math.min(8, 2 ** attempt));
      attempt++;
      params.onRetry?.({ status: res.status, waitSeconds: wait, attempt, url: redactUrl(url) });
      await sleep(wait * 1000, params.signal);
      continue;
    }
    return res;
  }
}

async function once(url: string, params: HubRequestParams): Promise<HubResponse> {
  const headers: Record<string, string> = { "user-agent": "llamagate", "accept-encoding": "identity" };
  if (params.token) headers.authorization = `Bearer ${params.token}`;
  const r = await request(url, {
    method: params.method ?? "GET",
    headers,
    dispatcher: params.dispatcher,
    signal: params.signal,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of r.body) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) {
      r.body.destroy();
      throw new Error("response body too large");
    }
    chunks.push(c as Buffer);
  }
  return { status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks), url };
}

/** A header value as one string. */
export function header(headers: HubResponse["headers"], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError());
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new InterruptedError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
