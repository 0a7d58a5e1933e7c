import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../../src/core/errors.js";
import { readProfile } from "../../../src/license/read-profile.js";
import { validateProfile } from "../../../src/license/validate-profile.js";

const v = (value: unknown) => validateProfile({ value, source: "org.json" });

function errorOf(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error("expected a UsageError");
}

describe("validateProfile", () => {
  it("accepts a full profile and normalises its values", () => {
    expect(
      v({
        $schema: "./profile.schema.json",
        organization: "Acme",
        mau: "1.2M",
        affiliatesMau: 5000,
        region: "de",
        endUser: false,
        uses: ["commercial", "fine-tune,redistribute"],
        productName: " Acme Chat ",
        derivativeName: "Llama-Acme",
      }),
    ).toEqual({
      organization: "Acme",
      mau: 1_200_000,
      affiliatesMau: 5000,
      region: "DE",
      endUser: false,
      uses: ["commercial", "redistribute", "fine-tune"],
      productName: "Acme Chat",
      derivativeName: "Llama-Acme",
    });
    expect(v({})).toEqual({});
  });

  it.each([
    [[], /must be a JSON object/, undefined],
    ["x", /must be a JSON object/, undefined],
    [{ MAU: 5 }, /field "MAU" is not a profile field \(did you mean "mau"\?\)/, "MAU"],
    [{ affiliates_mau: 5 }, /did you mean "affiliatesMau"/, "affiliates_mau"],
    [{ colour: "red" }, /field "colour" is not a profile field/, "colour"],
    [{ mau: -3 }, /"mau" in org\.json/, undefined],
    [{ mau: "many" }, /"mau" in org\.json/, undefined],
    [{ mau: 2.5 }, /"mau" in org\.json.*whole number/, undefined],
    [{ affiliatesMau: "-1M" }, /"affiliatesMau" in org\.json/, undefined],
    [{ region: "Atlantis" }, /"region" in org\.json/, undefined],
    [{ region: 49 }, /"region" in org\.json/, undefined],
    [{ endUser: "yes" }, /field "endUser" must be true or false/, "endUser"],
    [{ uses: "commercial" }, /field "uses" must be an array/, "uses"],
    [{ uses: ["commercial", "resale"] }, /"uses" in org\.json/, undefined],
    [{ productName: "" }, /field "productName" must be a non-empty string/, "productName"],
    [{ derivativeName: 7 }, /field "derivativeName"/, "derivativeName"],
  ])("rejects %j", (value, message, field) => {
    const e = errorOf(() => v(value));
    expect(e.message).toMatch(message);
    expect(e.message).toContain("org.json");
    if (field) expect(e.details?.field).toBe(field);
  });
});

describe("readProfile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "llamagate-profile-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a valid file", async () => {
    await writeFile(join(dir, "ok.json"), JSON.stringify({ mau: "750M", region: "US" }));
    expect(await readProfile({ path: join(dir, "ok.json") })).toEqual({ mau: 750_000_000, region: "US" });
  });

  it("names the file for malformed JSON and a missing file", async () => {
    await writeFile(join(dir, "bad.json"), "{ mau: 5 ");
    await expect(readProfile({ path: join(dir, "bad.json") })).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(readProfile({ path: join(dir, "nope.json") })).rejects.toMatchObject({
      code: "PROFILE_UNREADABLE",
      category: "usage",
    });
  });
});
