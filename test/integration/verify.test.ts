import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

const cli = (args: string[]) => runCli(args);

let root: string;
// Runs the built CLI: `npm test` builds first (run `npm run build` before running this file alone).
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "llamagate-verify-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A download.sh-like layout whose checklists are written by the real md5sum. */
async function layout(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, "llama-2-7b"), { recursive: true });
  await writeFile(join(dir, "tokenizer.model"), randomBytes(5000));
  await writeFile(join(dir, "llama-2-7b/consolidated.00.pth"), randomBytes(400_000));
  await writeFile(join(dir, "llama-2-7b/params.json"), '{"dim": 4096}');
  // Text marker ("  ") in one checklist, binary marker (" *") in the other, like real releases vary.
  await writeFile(join(dir, "tokenizer_checklist.chk"), execFileSync("md5sum", ["tokenizer.model"], { cwd: dir }));
  await writeFile(
    join(dir, "llama-2-7b/checklist.chk"),
    execFileSync("md5sum", ["-b", "consolidated.00.pth", "params.json"], { cwd: join(dir, "llama-2-7b") }),
  );
  return dir;
}

describe("llamagate verify", () => {
  it("prints OK per file like md5sum -c and exits 0", async () => {
    const dir = await layout("good");
    const r = await cli(["verify", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").sort()).toEqual([
      "llama-2-7b/consolidated.00.pth: OK",
      "llama-2-7b/params.json: OK",
      "tokenizer.model: OK",
    ]);
    expect(r.stderr).toMatch(/All 3 files OK/);
  });

  it("reports FAILED and MISSING, exits 6, and --json lists every file", async () => {
    const dir = await layout("bad");
    await writeFile(join(dir, "llama-2-7b/params.json"), '{"dim": 4097}');
    await rm(join(dir, "tokenizer.model"));
    const r = await cli(["verify", dir]);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain("llama-2-7b/params.json: FAILED\n");
    expect(r.stdout).toContain("tokenizer.model: MISSING\n");
    expect(r.stdout).toContain("llama-2-7b/consolidated.00.pth: OK\n");
    expect(r.stderr).toMatch(/2 of 3 files did not verify/);

    const j = await cli(["verify", dir, "--json"]);
    expect(j.code).toBe(6);
    const out = JSON.parse(j.stdout);
    expect(out.ok).toBe(false);
    expect(out.counts).toEqual({ ok: 1, failed: 1, missing: 1, unreadable: 0 });
    expect(out.error.category).toBe("integrity");
    expectDocumentedShape(out, "verify", ["error"]);
    const params = out.files.find((f: { path: string }) => f.path === "llama-2-7b/params.json");
    expect(params.actual).toBe(
      execFileSync("md5sum", [join(dir, "llama-2-7b/params.json")])
        .toString()
        .slice(0, 32),
    );
  });

  it("refuses a checklist that names a path outside the folder (exit 6)", async () => {
    const dir = await layout("evil");
    await writeFile(join(dir, "llama-2-7b/checklist.chk"), "0123456789abcdef0123456789abcdef  ../../../etc/passwd\n");
    const r = await cli(["verify", dir]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/llama-2-7b\/checklist\.chk line 1 names a path outside its folder/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("exits 5 (not-found, as docs/exit-codes.md says) for a folder that does not exist and for one without checklists", async () => {
    const missing = await cli(["verify", join(root, "nope"), "--json"]);
    expect(missing.code).toBe(5);
    expect(JSON.parse(missing.stdout).error.code).toBe("VERIFY_DIR_NOT_FOUND");
    const empty = join(root, "empty");
    await mkdir(empty);
    const none = await cli(["verify", empty]);
    expect(none.code).toBe(5);
    expect(none.stderr).toMatch(/No checklist\.chk/);
  });

  it("accepts one checklist file, like md5sum -c FILE", async () => {
    const dir = await layout("single");
    const r = await cli(["verify", join(dir, "llama-2-7b", "checklist.chk")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("consolidated.00.pth: OK\nparams.json: OK\n");
  });
});
