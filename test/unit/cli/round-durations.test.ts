import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../../src/cli/context.js";
import { printJson } from "../../../src/cli/output.js";

describe("--json durations", () => {
  it("printJson rounds every `seconds` / `*Seconds` to milliseconds, at any depth, and nothing else", () => {
    const stdout = new PassThrough();
    let text = "";
    stdout.setEncoding("utf8").on("data", (d: string) => (text += d));
    const ctx = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {} } as unknown as CliContext;
    printJson(ctx, {
      ok: true,
      loadSeconds: 1.2491089419999999,
      seconds: 0.0004,
      tokensPerSecond: 12.345678,
      stages: [{ seconds: 2.71828, bytes: 1.5 }],
      smokeTest: { firstTokenSeconds: 0.12345, text: "x" },
      none: null,
    });
    stdout.end();
    expect(JSON.parse(text)).toEqual({
      ok: true,
      loadSeconds: 1.249,
      seconds: 0,
      tokensPerSecond: 12.345678,
      stages: [{ seconds: 2.718, bytes: 1.5 }],
      smokeTest: { firstTokenSeconds: 0.123, text: "x" },
      none: null,
    });
  });
});
