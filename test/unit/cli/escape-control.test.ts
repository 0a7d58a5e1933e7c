import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { escapeControl } from "../../../src/cli/escape-control.js";
import { logLine, printJson } from "../../../src/cli/output.js";
import type { CliContext } from "../../../src/cli/context.js";

function captureCtx(): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = "";
  let e = "";
  stdout.on("data", (d: Buffer) => (o += d.toString()));
  stderr.on("data", (d: Buffer) => (e += d.toString()));
  const ctx: CliContext = { stdout, stderr, stdin: new PassThrough(), env: {}, signal: new AbortController().signal };
  return { ctx, out: () => o, err: () => e };
}

describe("escapeControl", () => {
  it("escapes ESC, CR, newline, BS, DEL and C1 (CSI 0x9b), keeps tabs and printable Unicode", () => {
    expect(escapeControl("a\u001b[2K\rb\nc\bd\u007fe\u009b31mf\tg é ✓")).toBe(
      "a\\e[2K\\rb\\nc\\x08d\\x7fe\\x9b31mf\tg é ✓",
    );
  });
  it("keeps newlines only when asked", () => {
    expect(escapeControl("usage\n\u001b[1mx\n", { keepNewlines: true })).toBe("usage\n\\e[1mx\n");
  });
});

describe("the CLI's line writers", () => {
  it("a crafted tensor name cannot erase the line and print a fake success", async () => {
    const { ctx, err } = captureCtx();
    const crafted = "tok_embeddings.weight\r\u001b[2K\u001b[32m✔ Converted OK\u001b[0m\nnext";
    logLine(ctx, `error: unsupported tensor ${crafted}`);
    await new Promise((r) => setImmediate(r));
    expect(err()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(err().split("\n")).toHaveLength(2); // one line and the final newline
    expect(err()).toContain("\\r\\e[2K\\e[32m✔ Converted OK");
  });
  it("--json output escapes C1 controls, which JSON.stringify leaves raw", async () => {
    const { ctx, out } = captureCtx();
    printJson(ctx, { name: "a\u009b2Kb\u001b" });
    await new Promise((r) => setImmediate(r));
    expect(out()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(JSON.parse(out())).toEqual({ name: "a\u009b2Kb\u001b" });
  });
});
