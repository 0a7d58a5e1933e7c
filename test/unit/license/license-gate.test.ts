import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findModel } from "../../../src/catalog/find-model.js";
import { LicenseBlockedError } from "../../../src/license/errors.js";
import {
  licenseGate,
  type LicenseAcceptancePrompt,
  type LicenseGateParams,
} from "../../../src/pipeline/license-gate.js";

let dir: string;
let log: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "llamagate-gate-"));
  log = join(dir, "license-audit.jsonl");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NOW = () => new Date("2026-03-01T12:00:00.000Z");
const gate = (p: Partial<LicenseGateParams>) =>
  licenseGate({ model: "llama-2-7b", auditLogPath: log, user: "alice", now: NOW, ...p });

async function rejection(p: Promise<unknown>): Promise<LicenseBlockedError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(LicenseBlockedError);
  expect((e as LicenseBlockedError).category).toBe("license");
  return e as LicenseBlockedError;
}

const lines = async () =>
  (await readFile(log, "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

// That a blocked download makes no request is proven against a real server in
// test/integration/license-download-gate.test.ts; here the gate's own verdicts, errors and records.
describe("licenseGate: blocking verdicts throw and record nothing", () => {
  it.each([
    [{ mau: 700_000_001, acceptLicense: true }, "LICENSE_REQUIRES_META_LICENSE", /§2/],
    [
      { mau: "400M", affiliatesMau: "300,000,001", acceptLicense: true },
      "LICENSE_REQUIRES_META_LICENSE",
      /greater than 700,000,000/,
    ],
    [{ mau: 10, uses: ["train-other-llm"], acceptLicense: true }, "LICENSE_NOT_PERMITTED", /§1\.b\.v/],
    [
      { model: "llama-3.2-11b-vision-instruct", mau: 10, region: "DE", acceptLicense: true },
      "LICENSE_NOT_PERMITTED",
      /European Union/,
    ],
    [{ mau: 10 }, "LICENSE_NOT_ACCEPTED", /No acceptance/],
    [{}, "LICENSE_INPUT_REQUIRED", /monthly active users/],
    [{ model: "llama-4-scout-17b-16e", mau: 10, acceptLicense: true }, "LICENSE_INPUT_REQUIRED", /region/],
  ] as [Partial<LicenseGateParams>, string, RegExp][])("%j -> %s, nothing recorded", async (p, code, message) => {
    const e = await rejection(gate(p));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.hint).toContain("automated reading of the license text, not legal advice");
    expect(await lines()).toEqual([]);
  });

  it("names the flags to pass", async () => {
    expect((await rejection(gate({ mau: 10 }))).hint).toContain("--accept-license");
    const missing = await rejection(gate({}));
    expect(missing.hint).toContain("--mau");
    expect(missing.hint).toContain("--accept-license");
    expect((await rejection(gate({ mau: "1B", acceptLicense: true }))).hint).toContain("--license-override");
    expect((await rejection(gate({ model: "llama-3.2-90b-vision", mau: 1, acceptLicense: true }))).hint).toContain(
      "--region",
    );
  });
});

describe("licenseGate: acceptance", () => {
  it("--accept-license records one audit entry with the declared facts", async () => {
    expect((await rejection(gate({ mau: "1.2M", region: "FR", uses: ["commercial"] }))).code).toBe(
      "LICENSE_NOT_ACCEPTED",
    );
    const r = await gate({ mau: "1.2M", region: "FR", uses: ["commercial"], acceptLicense: true, command: "download" });
    expect(r.verdict).toBe("permitted");
    expect(r.acceptance).toEqual({ via: "flag", time: "2026-03-01T12:00:00.000Z", user: "alice" });
    expect(await lines()).toEqual([
      {
        time: "2026-03-01T12:00:00.000Z",
        user: "alice",
        model: "llama-2-7b",
        licenseFamily: "llama2",
        licenseVersion: "2",
        licenseName: "Llama 2 Community License Agreement",
        licenseTextSha256: null,
        mau: 1_200_000,
        affiliatesMau: 0,
        region: "FR",
        endUser: false,
        uses: ["commercial"],
        verdict: "permitted",
        acceptedVia: "flag",
        command: "download",
        override: null,
      },
    ]);
  });

  it("a recorded acceptance of the same license lets a later run through without flags, reusing its declaration", async () => {
    await gate({ model: "llama-2-13b", mau: 5000, region: "US", acceptLicense: true });
    const r = await gate({ model: "codellama-7b" });
    expect(r.acceptance).toEqual({ via: "recorded", time: "2026-03-01T12:00:00.000Z", user: "alice" });
    expect(r.evaluation.inputs.mau).toBe(5000);
    expect(r.mauSource).toBe("recorded");
    expect(r.auditEntry).toBeNull();
    expect(await lines()).toHaveLength(1);
    // A newly declared MAU is still checked against the recorded acceptance.
    expect((await rejection(gate({ model: "codellama-7b", mau: "2B" }))).code).toBe("LICENSE_REQUIRES_META_LICENSE");
    // Another family's acceptance does not count.
    expect((await rejection(gate({ model: "llama-3.1-8b", mau: 5000 }))).code).toBe("LICENSE_NOT_ACCEPTED");
  });

  it("asks on a terminal: yes records via prompt, no refuses", async () => {
    const ask = vi.fn(async () => true);
    const r = await gate({ model: "llama-3.1-8b", mau: 10, uses: ["redistribute"], interactive: ask });
    expect(ask).toHaveBeenCalledTimes(1);
    expect(
      (ask.mock.calls[0] as unknown as [LicenseAcceptancePrompt])[0].evaluation.obligations.map((o) => o.code),
    ).toEqual(["SHIP_AGREEMENT", "NOTICE_FILE", "ATTRIBUTION"]);
    expect(r.acceptance.via).toBe("prompt");
    expect((await lines())[0].acceptedVia).toBe("prompt");
    const no = vi.fn(async () => false);
    expect((await rejection(gate({ model: "llama-3-8b", mau: 10, interactive: no }))).code).toBe("LICENSE_DECLINED");
  });

  it("does not prompt when the verdict blocks", async () => {
    const ask = vi.fn(async () => true);
    await rejection(gate({ mau: "800M", interactive: ask }));
    expect(ask).not.toHaveBeenCalled();
  });

  it("an explicit override lets a blocking verdict through and records the reason", async () => {
    const r = await gate({ mau: "800M", acceptLicense: true, override: "Meta license agreement #123" });
    expect(r.verdict).toBe("requires-meta-license");
    expect(r.overridden).toBe("Meta license agreement #123");
    expect((await lines())[0]).toMatchObject({
      verdict: "requires-meta-license",
      override: "Meta license agreement #123",
    });
    // The override still needs an acceptance.
    expect((await rejection(gate({ model: "llama-3-8b", mau: "800M", override: "x" }))).code).toBe(
      "LICENSE_NOT_ACCEPTED",
    );
  });

  it("reads the profile file; explicit params override it", async () => {
    const profile = join(dir, "org.json");
    await writeFile(profile, JSON.stringify({ mau: "800M", region: "US", uses: ["commercial"] }));
    expect((await rejection(gate({ profilePath: profile, acceptLicense: true }))).code).toBe(
      "LICENSE_REQUIRES_META_LICENSE",
    );
    const r = await gate({ profilePath: profile, mau: 1000, acceptLicense: true });
    expect(r.evaluation.inputs).toMatchObject({ mau: 1000, region: "US", uses: ["commercial"] });
    expect(r.mauSource).toBe("params");
    expect(
      (await gate({ profilePath: profile, mau: undefined, acceptLicense: true, override: "granted" })).mauSource,
    ).toBe("profile");
  });

  it("accepts a catalog entry or a Hugging Face repo id", async () => {
    const r1 = await gate({ model: findModel({ name: "llama-3.3-70b-instruct" }), mau: 1, acceptLicense: true });
    const r2 = await gate({ model: "meta-llama/Llama-3.3-70B-Instruct", mau: 1, acceptLicense: true });
    expect(r1.evaluation.model).toBe("llama-3.3-70b-instruct");
    expect(r2.evaluation.model).toBe("llama-3.3-70b-instruct");
  });

  it("with auditLogPath null it records nothing and finds nothing", async () => {
    const r = await licenseGate({ model: "llama-2-7b", mau: 1, acceptLicense: true, user: null, auditLogPath: null });
    expect(r.auditEntry).toBeNull();
    expect((await rejection(licenseGate({ model: "llama-2-7b", mau: 1, auditLogPath: null }))).code).toBe(
      "LICENSE_NOT_ACCEPTED",
    );
  });

  it("without auditLogPath it uses the CLI's audit log ($LLAMAGATE_DATA_DIR/license-audit.jsonl)", async () => {
    const data = await mkdtemp(join(tmpdir(), "llamagate-gate-default-"));
    const saved = process.env.LLAMAGATE_DATA_DIR;
    process.env.LLAMAGATE_DATA_DIR = data;
    try {
      await licenseGate({ model: "llama-2-7b", mau: 1, acceptLicense: true, user: null });
      expect(await readFile(join(data, "license-audit.jsonl"), "utf8")).toContain('"licenseFamily":"llama2"');
      // The recorded acceptance is found by the next call, as the CLI finds it.
      expect((await licenseGate({ model: "llama-2-7b", mau: 1 })).acceptance.via).toBe("recorded");
    } finally {
      process.env.LLAMAGATE_DATA_DIR = saved;
      await rm(data, { recursive: true, force: true });
    }
  });
});
