import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runLlamagate } from "../helpers/meta-cdn-server.js";

describe("llamagate demo", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("serves a generated release from the local signed CDN, downloads it with a resume, verifies it, exits 0", async () => {
    const dir = await mkdtemp(join(tmpdir(), "llamagate-demo-test-"));
    dirs.push(dir);
    const r = await runLlamagate(["demo", "--dir", dir, "--shard-mb", "1", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ ok: true, dir, verified: 3, verify: { ok: 3, failed: 0, missing: 0 } });
    expect(json.rangedRequests).toBe(1);
    expect(json.retries).toBeGreaterThanOrEqual(1);
    // The checklist's md5 is the md5 of the bytes on disk (computed here independently).
    const chk = await readFile(join(dir, "llama-2-7b/checklist.chk"), "utf8");
    const shard = await readFile(join(dir, "llama-2-7b/consolidated.00.pth"));
    expect(shard.length).toBe(1 << 20);
    expect(chk).toContain(`${createHash("md5").update(shard).digest("hex")}  consolidated.00.pth`);
    expect(r.stderr).toMatch(/local signed-URL CDN at http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stderr).not.toMatch(/Policy=|Signature=/);
  });

  it("without --dir it prints a human summary and cleans up its temporary folder", async () => {
    const r = await runLlamagate(["demo", "--shard-mb", "1", "--no-show-resume"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^demo OK: 7 files, .* 3 verified against their checklists/m);
    expect(r.stdout).toMatch(/llama-2-7b\/consolidated\.00\.pth: OK/);
    expect(r.stdout).toMatch(/\(0 ranged\), 0 retries/);
  });
});
