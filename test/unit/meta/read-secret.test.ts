import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../../src/cli/context.js";
import { readSecret } from "../../../src/cli/read-secret.js";

const SECRET =
  "https://download.llamameta.net/*?Policy=eyJTdGF0ZW1lbnQiOltdfQ__&Signature=SECRETSIG123&Key-Pair-Id=K15QRJLYKIFSLZ";
const missing = { message: "No Meta download URL given.", hint: "Pass --meta-url URL." };

function fakeCtx(tty: boolean) {
  const stdin = Object.assign(new PassThrough(), { isTTY: tty, setRawMode: () => stdin });
  const stderr = Object.assign(new PassThrough(), { isTTY: tty, columns: 80 });
  const stdout = Object.assign(new PassThrough(), { isTTY: false });
  let shown = "";
  stderr.on("data", (d: Buffer) => (shown += d.toString()));
  const ctx: CliContext = { stdin, stderr, stdout, env: {}, signal: new AbortController().signal };
  return { ctx, stdin, shown: () => shown };
}

describe("readSecret", () => {
  it("prompts on a TTY without echoing what is typed", async () => {
    const { ctx, stdin, shown } = fakeCtx(true);
    let typed = false;
    // Typed once the prompt is on screen (the prompt library loads on first use), not after a guessed delay.
    ctx.stderr.on("data", () => {
      if (shown().includes("Paste the URL:") && !typed) {
        typed = true;
        setImmediate(() => stdin.write(`${SECRET}\r`));
      }
    });
    const p = readSecret({ ctx, from: "auto", message: "Paste the URL:", missing });
    expect(await p).toBe(SECRET);
    expect(shown()).toContain("Paste the URL:");
    expect(shown()).not.toContain("SECRETSIG123");
    expect(shown()).not.toContain("Policy=");
  });
  it("reads the first non-empty line of stdin for --meta-url -", async () => {
    const { ctx, stdin } = fakeCtx(false);
    stdin.end(`\n  ${SECRET}  \nignored\n`);
    expect(await readSecret({ ctx, from: "stdin", message: "", missing })).toBe(SECRET);
  });
  it("without a TTY it fails naming the flag instead of waiting", async () => {
    const { ctx } = fakeCtx(false);
    await expect(readSecret({ ctx, from: "auto", message: "", missing })).rejects.toMatchObject({
      category: "usage",
      message: "No Meta download URL given.",
      hint: "Pass --meta-url URL.",
    });
  });
});
