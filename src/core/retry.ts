/**
 * One backoff policy and one retry loop (`withRetry`) for every network client in llamagate: the Hub API
 * client (sources/hf/hub-request.ts), the single-stream and the parts transfer (download/). Exponential
 * backoff with full jitter, honouring a server's Retry-After (core/http/parse-retry-after.ts), cancellable.
 */
import { InterruptedError } from "./errors.js";

/** How often and how long to retry. */
export interface RetryPolicy {
  /** Retries after the first try (0 = try once). @default 5 */
  attempts: number;
  /** Delay before the first retry, before jitter, in ms. @default 500 */
  baseMs: number;
  /** Upper bound of one backoff delay in ms (a Retry-After may ask for longer, see maxRetryAfterMs). @default 30000 */
  maxMs: number;
  /** Longest Retry-After the client agrees to wait; a longer one is cut to this. @default 300000 */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  attempts: 5,
  baseMs: 500,
  maxMs: 30_000,
  maxRetryAfterMs: 300_000,
};

/**
 * Delay before retry number `attempt` (1-based): full jitter over min(maxMs, baseMs * 2^(attempt-1)),
 * never less than baseMs/2 so a flapping server is not hammered. A server's `retryAfterMs` is honoured
 * as asked (capped by maxRetryAfterMs, never below that floor).
 */
export function backoffDelay(params: {
  /** 1 for the first retry. */
  attempt: number;
  /** Policy to use. */
  policy: RetryPolicy;
  /** The server's Retry-After, in ms, when it sent one. */
  retryAfterMs?: number;
  /** Random source in [0,1); injectable for tests. @default Math.random */
  random?: () => number;
}): number {
  const { attempt, policy } = params;
  const random = params.random ?? Math.random;
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const floor = Math.min(ceiling, policy.baseMs / 2);
  if (params.retryAfterMs !== undefined) {
    const cap = policy.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs!;
    return Math.round(Math.max(floor, Math.min(params.retryAfterMs, cap)));
  }
  return Math.round(floor + random() * (ceiling - floor));
}

/** Sleep `ms`, rejecting with InterruptedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** What `withRetry`'s classifier says about a failure. */
export interface RetryDecision {
  /** Whether another try may succeed. */
  retry: boolean;
  /** Server-requested wait (Retry-After), in ms. */
  retryAfterMs?: number;
  /** Short human reason for the retry event/log ("HTTP 503", "connection reset"). Must be redacted. */
  reason?: string;
}

/** What `onRetry` is told before each wait. */
export interface RetryInfo {
  /** Failures in a row without progress (1 = the first retry; restarts at 1 after a try that made progress). */
  attempt: number;
  /** Retries so far in this call, progress or not (1-based). */
  retry: number;
  /** The wait about to start, in ms. */
  waitMs: number;
  /** The classifier's reason. */
  reason: string;
  /** The failure. */
  error: unknown;
}

/**
 * The one retry loop of llamagate: run `fn` until it succeeds, `classify` says the error is final, the
 * attempts are spent, or `signal` aborts (also during a wait: InterruptedError at once). Waits follow
 * backoffDelay (exponential, full jitter, Retry-After honoured). A try that made progress (`progress()`
 * grew, e.g. bytes written) resets the count: a long transfer over a flaky link is not failed for
 * failures spread over hours. Throws the last error.
 */
export async function withRetry<T>(params: {
  /** The operation; gets the 0-based try number. */
  fn: (tryNumber: number) => Promise<T>;
  /** Decide whether an error is worth another try. */
  classify: (error: unknown) => RetryDecision;
  /** Retry policy. @default DEFAULT_RETRY_POLICY */
  policy?: RetryPolicy;
  /** A measure that only grows with useful work (bytes received); progress during a try resets the attempts. */
  progress?: () => number;
  /** Called before each wait (for progress events / logs). */
  onRetry?: (info: RetryInfo) => void;
  /** Cancels the operation and any wait. */
  signal?: AbortSignal;
  /** Random source for jitter (tests). */
  random?: () => number;
  /** Wait function (tests). @default sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}): Promise<T> {
  const policy = params.policy ?? DEFAULT_RETRY_POLICY;
  const wait = params.sleep ?? sleep;
  let failures = 0;
  for (let n = 0; ; n++) {
    if (params.signal?.aborted) throw new InterruptedError();
    const before = params.progress?.() ?? 0;
    try {
      return await params.fn(n);
    } catch (e) {
      if (params.signal?.aborted) {
        throw e instanceof InterruptedError ? e : new InterruptedError(undefined, { cause: e });
      }
      if ((params.progress?.() ?? 0) > before) failures = 0;
      failures++;
      const d = params.classify(e);
      if (!d.retry || failures > policy.attempts) throw e;
      const waitMs = backoffDelay({ attempt: failures, policy, retryAfterMs: d.retryAfterMs, random: params.random });
      params.onRetry?.({ attempt: failures, retry: n + 1, waitMs, reason: d.reason ?? "error", error: e });
      await wait(waitMs, params.signal);
      if (params.signal?.aborted) throw new InterruptedError();
    }
  }
}
