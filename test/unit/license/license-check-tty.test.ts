import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../../src/cli/context.js";
import { main } from "../../../src/cli/main.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "llamagate-tty-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A context whose stdin and stderr claim to be terminals; the answer is typed once the question shows. */
function tty(answer: string) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  const stdout = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  let answered = false;
  stderr.on("data", (d: Buffer) => {
    err += d.toString();
    if (!answered && err.includes("(y/N)")) {
      answered = true;
      setImmediate(() => stdin.write(answer));
    }
  });
  const ctx: CliContext = {
    stdin,
    stdout,
    stderr,
    env: { LLAMAGATE_DATA_DIR: dir },
    signal: new AbortController().signal,
  };
  return { ctx, out: () => out, err: () => err };
}

const audit = async () =>
  (await readFile(join(dir, "license-audit.jsonl"), "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("license check on a terminal", () => {
  it("asks after printing the result; yes records the acceptance via prompt", async () => {
    const t = tty("y\r");
    expect(await main(["license", "check", "llama-3.1-8b", "--mau", "1", "--use", "commercial"], t.ctx)).toBe(11);
    expect(t.out()).toContain("Verdict: PERMITTED WITH OBLIGATIONS");
    expect(t.err()).toContain("Do you accept the Llama 3.1 Community License Agreement");
    expect(await audit()).toEqual([
      expect.objectContaining({ model: "llama-3.1-8b", acceptedVia: "prompt", command: "license check" }),
    ]);
  });

  it("no records nothing; the exit code is still the verdict's", async () => {
    const t = tty("n\r");
    expect(await main(["license", "check", "llama-2-7b", "--mau", "1"], t.ctx)).toBe(0);
    expect(t.err()).toContain("License not accepted");
    expect(await audit()).toEqual([]);
  });

  it("does not ask when the verdict blocks, or with --json", async () => {
    const blocked = tty("y\r");
    expect(await main(["license", "check", "llama-2-7b", "--mau", "2B"], blocked.ctx)).toBe(12);
    expect(blocked.err()).not.toContain("Do you accept");
    const json = tty("y\r");
    expect(await main(["license", "check", "llama-2-7b", "--mau", "1", "--json"], json.ctx)).toBe(0);
    expect(json.err()).not.toContain("Do you accept");
    expect(JSON.parse(json.out()).accepted).toBeNull();
    expect(await audit()).toEqual([]);
  });
});
