import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../../src/core/exit-codes.js";

// Scripts depend on these numbers: this table is the contract (docs/exit-codes.md).
describe("exit codes", () => {
  it("are the documented numbers", () => {
    expect(EXIT_CODES).toEqual({
      ok: 0,
      internal: 1,
      usage: 2,
      license: 3,
      access: 4,
      "not-found": 5,
      integrity: 6,
      network: 7,
      filesystem: 8,
      conversion: 9,
      "smoke-test": 10,
      "verdict-permitted-with-obligations": 11,
      "verdict-requires-meta-license": 12,
      "verdict-not-permitted": 13,
      interrupted: 130,
    });
  });
  it("each appears in docs/exit-codes.md", () => {
    const doc = readFileSync(new URL("../../../docs/exit-codes.md", import.meta.url), "utf8");
    for (const [name, code] of Object.entries(EXIT_CODES)) {
      expect(doc, `${name}`).toMatch(new RegExp(`\\|\\s*${code}\\s*\\|\\s*\`${name}\``));
    }
  });
});
