import { describe, expect, it } from "vitest";
import { parseRateFlag } from "../../../src/cli/rate-flag.js";
import { LlamagateError } from "../../../src/core/errors.js";

describe("--limit-rate values (curl's and aria2c's units)", () => {
  it("reads K, M, G as powers of 1024, plain numbers as bytes per second", () => {
    expect(parseRateFlag("500K")).toBe(500 * 1024);
    expect(parseRateFlag("10M")).toBe(10 * 1024 * 1024);
    expect(parseRateFlag("1.5m")).toBe(1.5 * 1024 * 1024);
    expect(parseRateFlag("2G")).toBe(2 * 1024 ** 3);
    expect(parseRateFlag("1048576")).toBe(1 << 20);
    expect(parseRateFlag("10MB/s")).toBe(10 << 20);
  });
  it("refuses anything else, and rates under 1K, with a usage error naming the flag", () => {
    for (const bad of ["", "fast", "-1M", "10X", "100", "1e9"]) {
      let err: unknown;
      try {
        parseRateFlag(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LlamagateError);
      expect((err as LlamagateError).category).toBe("usage");
      expect((err as LlamagateError).message).toContain("--limit-rate");
    }
  });
});
