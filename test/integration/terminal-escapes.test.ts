/** Control characters from outside (file names, here a folder argument) reach the terminal escaped, end to end. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("escaping control characters", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lg-esc-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("a crafted folder name cannot erase the error line and print a fake success line", async () => {
    const crafted = join(dir, "x\r\u001b[2K\u001b[32m✔ Converted OK\u001b[0m\u009b1A");
    const r = await runCli(["verify", crafted]);
    expect(r.code).toBe(5);
    expect(r.stderr).not.toMatch(CONTROL);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("x\\r\\e[2K\\e[32m✔ Converted OK\\e[0m\\x9b1A");
  });
});
