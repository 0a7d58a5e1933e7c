import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLicenseFile } from "../../../src/license/check-license-file.js";
import { LICENSE_FAMILIES } from "../../../src/license/families.js";

// sha256("abc"), the FIPS 180-2 test vector.
const SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

describe("checkLicenseFile", () => {
  let dir: string;
  const withKnown = {
    ...LICENSE_FAMILIES,
    llama2: { ...LICENSE_FAMILIES.llama2, licenseTextSha256: [SHA256_ABC.toUpperCase()] },
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "llamagate-licfile-"));
    await writeFile(join(dir, "abc"), "abc");
    await writeFile(join(dir, "other"), "abc\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("matches a known text", async () => {
    expect(await checkLicenseFile({ path: join(dir, "abc"), family: "llama2", families: withKnown })).toEqual({
      status: "matches",
      sha256: SHA256_ABC,
      family: "llama2",
      knownSha256: [SHA256_ABC],
    });
  });

  it("differs from the known texts (a different license version)", async () => {
    const r = await checkLicenseFile({ path: join(dir, "other"), family: "llama2", families: withKnown });
    expect(r.status).toBe("differs");
    expect(r.sha256).not.toBe(SHA256_ABC);
  });

  it("says unknown-reference when no text of the family is known (the built-in data today)", async () => {
    const r = await checkLicenseFile({ path: join(dir, "abc"), family: "llama3.1" });
    expect(r).toEqual({ status: "unknown-reference", sha256: SHA256_ABC, family: "llama3.1", knownSha256: [] });
  });

  it("a missing file is a filesystem error", async () => {
    await expect(checkLicenseFile({ path: join(dir, "LICENSE"), family: "llama2" })).rejects.toMatchObject({
      code: "LICENSE_FILE_UNREADABLE",
      category: "filesystem",
    });
  });
});
