/**
 * One backoff policy for every network client in llamagate (transfer engine, Hub API client):
 * exponential backoff with full jitter, honouring a server's Retry-After, cancellable by signal.
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

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = { attempts: 5, baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 300_000 };

/**
 * Delay before retry number `attempt` (1-based): full jitter over min(maxMs, baseMs * 2^(attempt-1)),
 * never less than baseMs/2 so a flapping server is not hammered. `retryAfterMs` (from the server) wins
 * when it is longer, capped by maxRetryAfterMs.
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
  const jittered = floor + random() * (ceiling - floor);
  if (params.retryAfterMs !== undefined && params.retryAfterMs > jittered) {
    return Math.min(params.retryAfterMs, policy.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs!);
  }
  return Math.round(jittered);
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

/**
 * Run `fn` until it succeeds, `classify` says the error is final, the attempts are spent, or `signal`
 * aborts. Throws the last error (or InterruptedError on abort).
 */
export async function withRetry<T>(params: {
  /** The operation; gets the 0-based try number. */
  fn: (attempt: number) => Promise<T>;
  /** Decide whether an error is worth another try. */
  classify: (error: unknown) => RetryDecision;
  /** Retry policy. @default DEFAULT_RETRY_POLICY */
  policy?: RetryPolicy;
  /** Called before each wait (for progress events / logs). */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string; error: unknown }) => void;
  /** Cancels the operation and any wait. */
  signal?: AbortSignal;
  /** Random source for jitter (tests). */
  random?: () => number;
}): Promise<T> {
  const policy = params.policy ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 0; ; attempt++) {
    if (params.signal?.aborted) throw new InterruptedError();
    try {
      return await params.fn(attempt);
    } catch (e) {
      if (params.signal?.aborted) throw e instanceof InterruptedError ? e : new InterruptedError(undefined, { cause: e });
      const d = params.classify(e);
      if (!d.retry || attempt >= policy.attempts) throw e;
      const waitMs = backoffDelay({ attempt: attempt + 1, policy, retryAfterMs: d.retryAfterMs, random: params.random });
      params.onRetry?.({ attempt: attempt + 1, waitMs, reason: d.reason ?? "error", error: e });
      await sleep(waitMs, params.signal);
    }
  }
}
