import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/core/errors.js";
import { parseUses } from "../../../src/license/parse-uses.js";

describe("parseUses", () => {
  it("splits commas, de-duplicates, normalises case and keeps a fixed order", () => {
    expect(parseUses({ values: ["Redistribute,commercial", "commercial", " fine-tune "], field: "--use" })).toEqual([
      "commercial",
      "redistribute",
      "fine-tune",
    ]);
    expect(parseUses({ values: [], field: "--use" })).toEqual([]);
  });

  it.each([["resell"], ["commercial,resell"], [3]])("rejects %j naming the field", (v) => {
    expect(() => parseUses({ values: [v], field: "--use" })).toThrow(UsageError);
    expect(() => parseUses({ values: [v], field: "--use" })).toThrow(/--use/);
  });
});
