import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../../src/core/http/parse-retry-after.js";

describe("parseRetryAfter (the one Retry-After parser, in ms)", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter({ "retry-after": "120" })).toBe(120_000);
    expect(parseRetryAfter({ "retry-after": ["7", "9"] })).toBe(7000);
  });
  it("reads an HTTP-date, relative to now (never negative)", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(parseRetryAfter({ "retry-after": "Wed, 21 Oct 2015 07:28:30 GMT" }, now)).toBe(30_000);
    expect(parseRetryAfter({ "retry-after": "Wed, 21 Oct 2015 07:27:00 GMT" }, now)).toBe(0);
  });
  it("RateLimit with r=0 waits t+1 seconds (huggingface_hub's rule); with requests left, Retry-After decides", () => {
    expect(parseRetryAfter({ ratelimit: '"api";r=0;t=55' })).toBe(56_000);
    expect(parseRetryAfter({ ratelimit: '"api";r=3;t=55', "retry-after": "7" })).toBe(7000);
  });
  it("ignores junk and absence", () => {
    expect(parseRetryAfter({})).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "-5" })).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "soon-ish 12" })).toBeUndefined();
  });
});
