import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROFILE_FIELDS } from "../../../src/license/org-profile.js";
import { USES } from "../../../src/license/types.js";
import { validateProfile } from "../../../src/license/validate-profile.js";

const schema = JSON.parse(readFileSync(new URL("../../../docs/profile.schema.json", import.meta.url), "utf8")) as {
  properties: Record<string, { pattern?: string; oneOf?: { pattern?: string }[]; items?: { pattern: string } }>;
  additionalProperties: boolean;
  examples: unknown[];
};

describe("docs/profile.schema.json", () => {
  it("documents exactly the fields the validator accepts", () => {
    expect(Object.keys(schema.properties).sort()).toEqual(["$schema", ...PROFILE_FIELDS].sort());
    expect(schema.additionalProperties).toBe(false);
  });

  it("its example passes the validator", () => {
    for (const ex of schema.examples) expect(() => validateProfile({ value: ex, source: "example" })).not.toThrow();
  });

  it("its patterns agree with the MAU forms and uses", () => {
    const mau = new RegExp(schema.properties.mau!.oneOf![1]!.pattern!);
    for (const ok of ["750M", "1.2B", "700,000,000", "7e8", "42"]) expect(mau.test(ok), ok).toBe(true);
    for (const bad of ["-5", "abc", "1,00"]) expect(mau.test(bad), bad).toBe(false);
    const uses = new RegExp(schema.properties.uses!.items!.pattern);
    for (const u of USES) expect(uses.test(u)).toBe(true);
    expect(uses.test("commercial, fine-tune")).toBe(true);
    expect(uses.test("resell")).toBe(false);
  });
});
