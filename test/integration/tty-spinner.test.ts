/**
 * Spinners on a real terminal (a pty made by util-linux `script`): drawn on a normal terminal, and
 * never on one that reports 0 columns (ora redraws forever there: hundreds of MB, no exit).
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript) console.warn("tty-spinner.test.ts skipped: util-linux `script` (used to make a pty) is not installed");
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe.skipIf(!hasScript)("spinner on a terminal", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lg-spin-"));
    const data = randomBytes(8 << 20);
    await writeFile(join(dir, "a.bin"), data);
    await writeFile(join(dir, "checklist.chk"), `${createHash("md5").update(data).digest("hex")}  a.bin\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  function verifyOnPty(cols: number) {
    const env = { PATH: process.env.PATH ?? "", HOME: dir, TERM: "xterm" };
    const cmd = `stty cols ${cols} rows ${cols ? 30 : 0}; exec ${JSON.stringify(process.execPath)} bin/llamagate.js verify ${JSON.stringify(dir)}`;
    return spawnSync("script", ["-qec", cmd, "/dev/null"], {
      cwd: ROOT,
      env,
      encoding: "utf8",
      timeout: 30_000,
      maxBuffer: 64 << 20,
    });
  }

  it("draws progress (bytes, no colour) on a 100-column terminal and still prints the md5sum-style result", () => {
    const r = verifyOnPty(100);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/verifying .*8\.0 MiB/);
    expect(r.stdout).not.toMatch(/\u001b\[[\d;]*m/); // no colour codes
    expect(r.stdout).not.toContain("\u001b[?7l"); // autowrap never turned off
    expect(r.stdout).toContain("a.bin: OK");
  });

  it("does not animate on a 0-column terminal, and exits", () => {
    const r = verifyOnPty(0);
    expect(r.error).toBeUndefined(); // not killed by the timeout
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("a.bin: OK");
    expect(r.stdout).not.toContain("verifying");
    expect(r.stdout.length).toBeLessThan(4096);
  });
});
