import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../../../src/catalog/find-model.js";
import { acceptLicense } from "../../../src/license/accept-license.js";
import { evaluateLicense } from "../../../src/license/evaluate-license.js";
import { LICENSE_FAMILIES } from "../../../src/license/families.js";
import { readAuditLog } from "../../../src/license/read-audit-log.js";

// The one acceptance used by `license check` and the pipeline's gate: flag, else prompt; one line per distinct
// acceptance.
describe("acceptLicense", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "llamagate-accept-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const model = findModel({ name: "llama-2-7b" });
  const family = LICENSE_FAMILIES[model.license];
  const accept = async (log: string, mau: number, extra: Partial<Parameters<typeof acceptLicense>[0]> = {}) =>
    acceptLicense({
      evaluation: evaluateLicense({ model, mau }),
      family,
      auditLogPath: log,
      recorded: (await readAuditLog({ path: log })).entries,
      command: "test",
      user: "alice",
      ...extra,
    });
  const lines = async (log: string) => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean);

  it("records an acceptance once; the same declaration again appends nothing, a different one does", async () => {
    const log = join(dir, "a.jsonl");
    expect(await accept(log, 1000, { acceptLicense: true })).toMatchObject({
      accepted: true,
      via: "flag",
      appended: true,
    });
    expect(await accept(log, 1000, { acceptLicense: true })).toMatchObject({ accepted: true, appended: false });
    expect(await lines(log)).toHaveLength(1);
    expect(await accept(log, 2000, { acceptLicense: true })).toMatchObject({ appended: true });
    expect(await lines(log)).toHaveLength(2);
  });

  it("asks on a terminal when there is no flag; no terminal, or a no, records nothing", async () => {
    const log = join(dir, "b.jsonl");
    expect(await accept(log, 1000)).toEqual({ accepted: false, reason: "no-terminal" });
    expect(await accept(log, 1000, { interactive: async () => false })).toEqual({
      accepted: false,
      reason: "declined",
    });
    expect(await lines(log)).toEqual([]);
    let shown = "";
    const yes = await accept(log, 1000, { interactive: async (p) => ((shown = p.evaluation.verdict), true) });
    expect(yes).toMatchObject({ accepted: true, via: "prompt", appended: true });
    expect(shown).toBe("permitted");
    expect(JSON.parse((await lines(log))[0]!)).toMatchObject({
      model: "llama-2-7b",
      mau: 1000,
      acceptedVia: "prompt",
      command: "test",
    });
  });
});
