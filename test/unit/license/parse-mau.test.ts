import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/core/errors.js";
import { parseMau } from "../../../src/license/parse-mau.js";

describe("parseMau", () => {
  it.each([
    ["750M", 750_000_000],
    ["750m", 750_000_000],
    ["1.2B", 1_200_000_000],
    ["1.2bn", 1_200_000_000],
    ["0.7B", 700_000_000],
    ["700,000,000", 700_000_000],
    ["700_000_000", 700_000_000],
    ["700 000 000", 700_000_000],
    ["7e8", 700_000_000],
    ["7.00000001e8", 700_000_001],
    ["1.5K", 1_500],
    ["699999999", 699_999_999],
    [" 42 ", 42],
    ["0", 0],
    ["1.0", 1],
    [0, 0],
    [700_000_001, 700_000_001],
  ] as const)("accepts %j as %d", (value, expected) => {
    expect(parseMau({ value, field: "--mau" })).toBe(expected);
  });

  it.each([
    ["-5", /negative/],
    [-1, /negative/],
    ["abc", /not a number/],
    ["", /empty/],
    ["1.5", /whole number/],
    [1.5, /whole number/],
    ["1.2345678905B", /whole number/],
    ["1e-3", /not a number/],
    ["12M users", /not a number/],
    ["1,00,000", /not a number/],
    ["7e8M", /not a number|either/],
    [Number.NaN, /finite/],
    [Number.POSITIVE_INFINITY, /finite/],
    ["9e18", /too large/],
    [null, /expected a number/],
    [true, /expected a number/],
  ] as const)("rejects %j with a UsageError naming the field", (value, why) => {
    let err: unknown;
    try {
      parseMau({ value, field: "--affiliates-mau" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const u = err as UsageError;
    expect(u.code).toBe("INVALID_MAU");
    expect(u.category).toBe("usage");
    expect(u.message).toContain("--affiliates-mau");
    expect(u.message).toMatch(why);
    expect(u.hint).toContain("750M");
  });
});
