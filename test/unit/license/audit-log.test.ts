import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEntry } from "../../../src/license/append-audit-entry.js";
import type { AuditEntry } from "../../../src/license/audit-entry.js";
import { readAuditLog } from "../../../src/license/read-audit-log.js";

const entry = (model: string, time: string): AuditEntry => ({
  time,
  user: "alice",
  model,
  licenseFamily: "llama2",
  licenseVersion: "2",
  licenseName: "Llama 2 Community License Agreement",
  licenseTextSha256: null,
  mau: 1000,
  affiliatesMau: 0,
  region: "US",
  endUser: false,
  uses: ["commercial"],
  verdict: "permitted",
  acceptedVia: "flag",
  command: "license check",
  override: null,
});

describe("audit log", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "llamagate-audit-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a missing log is empty", async () => {
    expect(await readAuditLog({ path: join(dir, "none.jsonl") })).toEqual({ entries: [], invalidLines: [] });
  });

  it("appends one JSON line per entry, creating the folder, and never rewrites earlier lines", async () => {
    const path = join(dir, "nested", "state", "license-audit.jsonl");
    const a = entry("llama-2-7b", "2026-01-01T00:00:00.000Z");
    const b = entry("codellama-7b", "2026-01-02T00:00:00.000Z");
    await appendAuditEntry({ path, entry: a });
    const first = await readFile(path, "utf8");
    await appendAuditEntry({ path, entry: b });
    const text = await readFile(path, "utf8");
    expect(text.startsWith(first)).toBe(true);
    expect(text.split("\n")).toEqual([JSON.stringify(a), JSON.stringify(b), ""]);
    expect((await readAuditLog({ path })).entries).toEqual([a, b]);
  });

  it("skips and reports lines that are not entries", async () => {
    const path = join(dir, "mixed.jsonl");
    await appendAuditEntry({ path, entry: entry("llama-2-7b", "2026-01-01T00:00:00.000Z") });
    await appendFile(path, "not json\n[1,2]\n\n");
    await appendAuditEntry({ path, entry: entry("llama-2-13b", "2026-01-03T00:00:00.000Z") });
    const log = await readAuditLog({ path });
    expect(log.entries.map((e) => e.model)).toEqual(["llama-2-7b", "llama-2-13b"]);
    expect(log.invalidLines).toEqual([2, 3]);
  });

  it("fails with a filesystem error when the folder cannot be created", async () => {
    const blocker = join(dir, "file-not-dir");
    await appendFile(blocker, "x");
    await expect(appendAuditEntry({ path: join(blocker, "log.jsonl"), entry: entry("x", "t") })).rejects.toMatchObject({
      code: "AUDIT_LOG_WRITE_FAILED",
      category: "filesystem",
    });
  });
});
