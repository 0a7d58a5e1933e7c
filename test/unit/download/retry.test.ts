import { describe, expect, it } from "vitest";
import { backoffDelay, withRetry } from "../../../src/core/retry.js";
import { parseRetryAfter } from "../../../src/core/retry-after.js";

const policy = { attempts: 3, baseMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 };

describe("backoffDelay", () => {
  it("grows exponentially, capped, with jitter between base/2 and the ceiling", () => {
    expect(backoffDelay({ attempt: 1, policy, random: () => 0 })).toBe(50);
    expect(backoffDelay({ attempt: 1, policy, random: () => 0.999999 })).toBe(100);
    expect(backoffDelay({ attempt: 3, policy, random: () => 0.999999 })).toBe(400);
    expect(backoffDelay({ attempt: 10, policy, random: () => 0.999999 })).toBe(1000);
  });
  it("honours a longer Retry-After, up to maxRetryAfterMs", () => {
    expect(backoffDelay({ attempt: 1, policy, retryAfterMs: 3000, random: () => 0 })).toBe(3000);
    expect(backoffDelay({ attempt: 1, policy, retryAfterMs: 60_000, random: () => 0 })).toBe(5000);
    expect(backoffDelay({ attempt: 1, policy, retryAfterMs: 10, random: () => 0 })).toBe(50);
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP dates", () => {
    expect(parseRetryAfter("120")).toBe(120_000);
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now)).toBe(0);
  });
  it("ignores junk", () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("-5")).toBeUndefined();
    expect(parseRetryAfter("soon-ish 12")).toBeUndefined();
  });
});

describe("withRetry", () => {
  it("retries retryable errors and stops at the budget", async () => {
    let calls = 0;
    const waits: number[] = [];
    await expect(
      withRetry({
        fn: async () => {
          calls++;
          throw new Error("boom");
        },
        classify: () => ({ retry: true, reason: "boom" }),
        policy: { attempts: 2, baseMs: 1, maxMs: 2 },
        onRetry: (i) => waits.push(i.attempt),
      }),
    ).rejects.toThrow("boom");
    expect(calls).toBe(3);
    expect(waits).toEqual([1, 2]);
  });
  it("does not retry final errors and returns successes", async () => {
    let calls = 0;
    await expect(withRetry({ fn: async () => (++calls, Promise.reject(new Error("final"))), classify: () => ({ retry: false }) })).rejects.toThrow("final");
    expect(calls).toBe(1);
    expect(await withRetry({ fn: async (n) => n, classify: () => ({ retry: true }) })).toBe(0);
  });
  it("stops waiting when the signal aborts", async () => {
    const ac = new AbortController();
    const p = withRetry({
      fn: async () => {
        throw new Error("x");
      },
      classify: () => ({ retry: true, retryAfterMs: 60_000 }),
      policy: { attempts: 3, baseMs: 1, maxMs: 1, maxRetryAfterMs: 60_000 },
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ category: "interrupted" });
  });
});
