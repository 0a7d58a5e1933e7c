import { setTimeout as delay } from "node:timers/promises";

/** A bandwidth cap shared by every connection it is handed to (see createRateLimiter). */
export interface RateLimiter {
  /** The cap, in bytes per second. */
  readonly bytesPerSecond: number;
  /** Bytes granted so far (the engine's own accounting of what went through the cap). */
  readonly granted: number;
  /** Account for `bytes` just received; resolves once the cap allows them (at once while the bucket has tokens). */
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

/**
 * A token bucket for `--limit-rate`: one per run, shared by every connection of every transfer (files,
 * parts, models of a manifest), so the whole run stays under the cap like curl's and aria2c's
 * `--limit-rate` / `--max-overall-download-limit`. Tokens refill at `bytesPerSecond` up to `burstBytes`;
 * a take beyond the tokens goes into debt and waits until the debt is paid back, so concurrent callers
 * queue behind each other in arrival order and the long-run average never exceeds the cap.
 */
export function createRateLimiter(p: {
  /** The cap, in bytes per second (> 0). */
  bytesPerSecond: number;
  /** Bytes that may pass at once after an idle period. @default a quarter second's worth, at least 16 KiB */
  burstBytes?: number;
  /** Clock in ms (tests inject one). @default performance.now */
  now?: () => number;
  /** Wait `ms` (tests inject one). @default timers/promises setTimeout */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}): RateLimiter {
  const rate = p.bytesPerSecond;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`bytesPerSecond must be above 0, got ${rate}`);
  const burst = Math.max(1, p.burstBytes ?? Math.max(16 << 10, Math.floor(rate / 4)));
  const now = p.now ?? (() => performance.now());
  const sleep = p.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  let tokens = burst;
  let last = now();
  let granted = 0;
  return {
    bytesPerSecond: rate,
    get granted() {
      return granted;
    },
    async take(bytes, signal) {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) * rate) / 1000);
      last = t;
      tokens -= bytes;
      granted += bytes;
      if (tokens >= 0) return;
      await sleep((-tokens * 1000) / rate, signal);
    },
  };
}
