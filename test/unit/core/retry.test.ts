import { describe, expect, it } from "vitest";
import { backoffDelay, sleep, withRetry } from "../../../src/core/retry.js";

const policy = { attempts: 3, baseMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 };

describe("backoffDelay", () => {
  it("grows exponentially, capped, with jitter between base/2 and the ceiling", () => {
    expect(backoffDelay({ attempt: 1, policy, random: () => 0 })).toBe(50);
    expect(backoffDelay({ attempt: 1, policy, random: () => 0.999999 })).toBe(100);
    expect(backoffDelay({ attempt: 3, policy, random: () => 0.999999 })).toBe(400);
    expect(backoffDelay({ attempt: 10, policy, random: () => 0.999999 })).toBe(1000);
  });
  it("honours the server's Retry-After as asked, up to maxRetryAfterMs, never below base/2", () => {
    expect(backoffDelay({ attempt: 1, policy, retryAfterMs: 3000, random: () => 0 })).toBe(3000);
    expect(backoffDelay({ attempt: 3, policy, retryAfterMs: 120, random: () => 0.99 })).toBe(120);
    expect(backoffDelay({ attempt: 1, policy, retryAfterMs: 60_000, random: () => 0 })).toBe(5000);
    expect(backoffDelay({ attempt: 1, policy, retryAfterMs: 10, random: () => 0 })).toBe(50);
  });
});

describe("withRetry", () => {
  it("retries retryable errors and stops at the budget", async () => {
    let calls = 0;
    const seen: [number, number][] = [];
    await expect(
      withRetry({
        fn: async () => {
          calls++;
          throw new Error("boom");
        },
        classify: () => ({ retry: true, reason: "boom" }),
        policy: { attempts: 2, baseMs: 1, maxMs: 2 },
        onRetry: (i) => seen.push([i.attempt, i.retry]),
      }),
    ).rejects.toThrow("boom");
    expect(calls).toBe(3);
    expect(seen).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
  it("does not retry final errors and returns successes", async () => {
    let calls = 0;
    await expect(
      withRetry({ fn: async () => (++calls, Promise.reject(new Error("final"))), classify: () => ({ retry: false }) }),
    ).rejects.toThrow("final");
    expect(calls).toBe(1);
    expect(await withRetry({ fn: async (n) => n, classify: () => ({ retry: true }) })).toBe(0);
  });
  it("a try that made progress resets the attempts: many failures, each after progress, still succeed", async () => {
    let bytes = 0;
    let calls = 0;
    const attempts: number[] = [];
    const r = await withRetry({
      fn: async () => {
        calls++;
        if (calls <= 6) {
          bytes += 100; // progress, then the connection drops
          throw new Error("dropped");
        }
        return "done";
      },
      classify: () => ({ retry: true }),
      progress: () => bytes,
      policy: { attempts: 2, baseMs: 1, maxMs: 1 },
      sleep: async () => {},
      onRetry: (i) => attempts.push(i.attempt),
    });
    expect(r).toBe("done");
    expect(calls).toBe(7); // 6 failures > attempts (2): only possible because progress reset the count
    expect(attempts).toEqual([1, 1, 1, 1, 1, 1]);
  });
  it("without progress the same failures exhaust the attempts", async () => {
    let calls = 0;
    await expect(
      withRetry({
        fn: async () => {
          calls++;
          throw new Error("dropped");
        },
        classify: () => ({ retry: true }),
        progress: () => 0,
        policy: { attempts: 2, baseMs: 1, maxMs: 1 },
        sleep: async () => {},
      }),
    ).rejects.toThrow("dropped");
    expect(calls).toBe(3);
  });
  it("an abort during the backoff wait ends it at once with InterruptedError", async () => {
    const ac = new AbortController();
    let calls = 0;
    const p = withRetry({
      fn: async () => {
        calls++;
        throw new Error("x");
      },
      classify: () => ({ retry: true, retryAfterMs: 60_000 }),
      policy: { attempts: 3, baseMs: 1, maxMs: 1, maxRetryAfterMs: 60_000 },
      // The real wait, aborted once it has begun (a gate, not a timer): it must end at once, not after 60 s.
      sleep: (ms, signal) => {
        const waiting = sleep(ms, signal);
        ac.abort();
        return waiting;
      },
      signal: ac.signal,
    });
    await expect(p).rejects.toMatchObject({ category: "interrupted" });
    expect(calls).toBe(1);
  }, 20_000); // a backstop only: a wait that ignored the abort would hold the test for 60 s
});
