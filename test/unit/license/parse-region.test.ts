import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/core/errors.js";
import { parseRegion } from "../../../src/license/parse-region.js";
import { EU_MEMBER_STATES, ISO_3166_ALPHA2 } from "../../../src/license/regions.js";

// The 27 member states, written out independently of src/license/regions.ts.
const EU27 = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split(" ");

describe("parseRegion", () => {
  it("knows the 27 EU member states and the 249 ISO codes", () => {
    expect([...EU_MEMBER_STATES].sort()).toEqual(EU27);
    expect(new Set(ISO_3166_ALPHA2).size).toBe(249);
    for (const c of EU27) expect(parseRegion({ value: c, field: "--region" }).inEu, c).toBe(true);
  });

  it.each([
    ["de", "DE", true, true],
    ["EU", "EU", true, true],
    ["eu", "EU", true, true],
    ["GB", "GB", false, false],
    ["US", "US", false, false],
    ["CH", "CH", false, true],
    ["NO", "NO", false, true],
    ["GF", "GF", true, true], // French Guiana: an outermost region, inside the EU
    ["GL", "GL", false, false], // Greenland: overseas country of Denmark, outside the EU
    ["XK", "XK", false, false],
  ] as const)("%s -> %s (EU %s, EEA/CH %s)", (value, code, inEu, inEea) => {
    expect(parseRegion({ value, field: "--region" })).toEqual({ code, inEu, inEeaOrSwitzerland: inEea });
  });

  it.each([["XX"], ["UK"], ["EL"], ["Germany"], [""], ["D"], [42]])("rejects %j naming the field", (value) => {
    let err: unknown;
    try {
      parseRegion({ value, field: "region" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe("INVALID_REGION");
    expect((err as UsageError).message).toContain("region");
  });

  it("suggests GB for UK and GR for EL", () => {
    expect(() => parseRegion({ value: "UK", field: "--region" })).toThrow(
      expect.objectContaining({ hint: expect.stringContaining("GB") }),
    );
    expect(() => parseRegion({ value: "el", field: "--region" })).toThrow(
      expect.objectContaining({ hint: expect.stringContaining("GR") }),
    );
  });
});
