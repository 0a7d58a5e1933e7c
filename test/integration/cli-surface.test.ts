/** The top-level help promises only commands that exist, and docs/exit-codes.md's "missing local folder" is true. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

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
    const names = listed.filter((n) => n !== "help");
    const runs = await Promise.all(names.map((name) => runMain([name, "--help"])));
    for (const [i, r] of runs.entries()) {
      expect(r.code, names[i]).toBe(0);
      expect(r.stdout, names[i]).toContain(`Usage: llamagate ${names[i]}`);
    }
  });

  it("a missing local folder exits 5 (not-found) for verify and convert, as docs/exit-codes.md says", async () => {
    const docs = await import("node:fs/promises").then((fs) => fs.readFile("docs/exit-codes.md", "utf8"));
    expect(docs).toMatch(/\| 5 \| `not-found` \|.*local directory not found/);
    for (const args of [
      ["verify", join(dir, "nope")],
      ["convert", join(dir, "nope"), "--to", "gguf"],
    ]) {
      const r = await runMain([...args, "--json"]);
      expect(r.code, args[0]).toBe(5);
      expect(JSON.parse(r.stdout).error.category).toBe("not-found");
      expectDocumentedShape(JSON.parse(r.stdout), "error");
    }
  });

  it("models --json and a usage error have their documented shapes; a usage error carries a hint", async () => {
    expectDocumentedShape(JSON.parse((await runMain(["models", "--json"])).stdout), "models");
    const r = await runCli(["verify", "--bogus", "--json"]);
    expect(r.code).toBe(2);
    const err = JSON.parse(r.stdout);
    expectDocumentedShape(err, "error");
    expect(err.error).toMatchObject({
      code: "USAGE",
      category: "usage",
      hint: "Run llamagate verify --help for usage.",
    });
  });

  it("numeric flags name the flag; verify --concurrency is validated", async () => {
    for (const bad of ["abc", "0", "-3"]) {
      const r = await runMain(["verify", dir, `--concurrency=${bad}`, "--json"]);
      expect(r.code, bad).toBe(2);
      expect(JSON.parse(r.stdout).error.message).toBe(
        `--concurrency must be a whole number from 1 to 64, got "${bad}".`,
      );
    }
    const parts = await runMain(["download", "llama-2-7b", "--parts", "x", "--json"]);
    expect(parts.code).toBe(2);
    expect(JSON.parse(parts.stdout).error.message).toContain("--parts must be a whole number");
  });

  it("one whole-number rule per flag: --max-tokens 0 is refused alike by demo, smoke-test and setup", async () => {
    for (const argv of [
      ["demo", "--max-tokens", "0"],
      ["smoke-test", "x.gguf", "--max-tokens", "0"],
      ["setup", "llama-2-7b", "--max-tokens", "0"],
      ["demo", "--max-tokens", "abc"],
    ]) {
      const r = await runMain([...argv, "--json"]);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(JSON.parse(r.stdout).error.message).toBe(
        `--max-tokens must be a whole number from 1 to 4096, got "${argv[argv.length - 1]}".`,
      );
    }
    for (const argv of [
      ["push", "x", "127.0.0.1:1/r:t", "--concurrency", "0"],
      ["pull", "127.0.0.1:1/r:t", "--dir", "x", "--lock-wait", "-1"],
      ["provision", "m.yaml", "--concurrency", "99"],
    ]) {
      const r = await runMain([...argv, "--json"]);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(JSON.parse(r.stdout).error.message).toMatch(/^--[a-z-]+ must be a whole number from \d+ to \d+, got "/);
    }
  });

  it("an interruption's hint says what is kept: 'continue where it stopped' only where something is", async () => {
    const folder = join(dir, "interrupted");
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "a.bin"), "hello");
    await writeFile(join(folder, "checklist.chk"), "5d41402abc4b2a76b9719d911017c592  a.bin\n");
    const ac = new AbortController();
    ac.abort();
    const r = await runMain(["verify", join(folder, "checklist.chk"), "--json"], { signal: ac.signal });
    expect(r.code, r.stdout).toBe(130);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe("INTERRUPTED");
    expect(err.hint).not.toMatch(/continue where/);
    expect(err.hint).toMatch(/starts over/);
  });

  it("download org/repo without --source is a Hugging Face download; ~ in path flags is the home folder", async () => {
    const hf = await runMain(["download", "test-org/not-cached", "--json"], {
      env: { HF_HUB_OFFLINE: "1", HF_HOME: join(dir, "hf"), HOME: dir },
    });
    const err = JSON.parse(hf.stdout).error;
    expect(err.code).toMatch(/^HF_/);
    expect(err.message).not.toMatch(/Meta download URL/);
    const home = await runMain(["verify", "--concurrency=2", "~/nope", "--json"], { env: { HOME: dir } });
    expect(home.code).toBe(5);
    expect(JSON.parse(home.stdout).error.message).toBe(`${join(dir, "nope")} does not exist.`);
  });
});
