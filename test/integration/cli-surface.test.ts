/** The top-level help promises only commands that exist, and docs/exit-codes.md's "missing local folder" is true. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

describe("command surface", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lg-surface-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("every command the top-level help lists answers its own --help", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    const listed = [...top.stdout.split("Commands:")[1]!.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!);
    expect(listed).toEqual(expect.arrayContaining(["models", "download", "verify", "convert", "license"]));
    for (const name of listed.filter((n) => n !== "help")) {
      const r = await runCli([name, "--help"]);
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toContain(`Usage: llamagate ${name}`);
    }
  });

  it("a missing local folder exits 5 (not-found) for verify and convert, as docs/exit-codes.md says", async () => {
    const docs = await import("node:fs/promises").then((fs) => fs.readFile("docs/exit-codes.md", "utf8"));
    expect(docs).toMatch(/\| 5 \| `not-found` \|.*local directory not found/);
    for (const args of [["verify", join(dir, "nope")], ["convert", join(dir, "nope"), "--to", "gguf"]]) {
      const r = await runCli([...args, "--json"]);
      expect(r.code, args[0]).toBe(5);
      expect(JSON.parse(r.stdout).error.category).toBe("not-found");
    }
  });
});
