import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../../src/download/create-rate-limiter.js";

/** A clock that only moves when a take waits: the bucket's own accounting of time, no real sleeps. */
function fakeClock() {
  const c = {
    t: 0,
    waits: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.waits.push(ms);
      c.t += ms;
    },
  };
  return c;
}

describe("createRateLimiter (the --limit-rate token bucket)", () => {
  it("lets the burst through at once, then holds each take until the cap allows it", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ bytesPerSecond: 1000, burstBytes: 500, now: clock.now, sleep: clock.sleep });
    await limiter.take(500);
    expect(clock.waits).toEqual([]);
    await limiter.take(250);
    expect(clock.waits).toEqual([250]);
    expect(limiter.granted).toBe(750);
  });

  it("4 MiB at 2 MiB/s, in 64 KiB chunks from several connections, takes at least 1.75 s of the clock", async () => {
    const clock = fakeClock();
    const rate = 2 << 20;
    const limiter = createRateLimiter({ bytesPerSecond: rate, now: clock.now, sleep: clock.sleep });
    const chunk = 64 << 10;
    // Four "connections" taking in turns, as the engine's transfers do.
    for (let i = 0; i < (4 << 20) / chunk; i++) await limiter.take(chunk);
    expect(limiter.granted).toBe(4 << 20);
    // Everything past the initial burst (a quarter second's worth) waited for the cap.
    expect(clock.t).toBeGreaterThanOrEqual((((4 << 20) - rate / 4) / rate) * 1000 - 1e-6);
    expect(clock.t).toBeLessThanOrEqual(2000 + 1e-6);
  });

  it("concurrent takers queue behind each other: the total never outruns the cap", async () => {
    const clock = fakeClock();
    // Three connections take at the same instant: each waits for the debt in front of it.
    const waits: number[] = [];
    const l2 = createRateLimiter({
      bytesPerSecond: 1000,
      burstBytes: 100,
      now: clock.now,
      sleep: async (ms) => void waits.push(ms),
    });
    await Promise.all([l2.take(100), l2.take(100), l2.take(100)]);
    expect(waits).toEqual([100, 200]);
  });

  it("refills at the rate while idle, up to the burst only", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ bytesPerSecond: 1000, burstBytes: 200, now: clock.now, sleep: clock.sleep });
    await limiter.take(200);
    clock.t += 10_000; // a long idle moment refills the burst, no more
    await limiter.take(200);
    expect(clock.waits).toEqual([]);
    await limiter.take(100);
    expect(clock.waits).toEqual([100]);
  });

  it("refuses a cap that is not a positive number", () => {
    expect(() => createRateLimiter({ bytesPerSecond: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ bytesPerSecond: Number.NaN })).toThrow(RangeError);
  });
});
