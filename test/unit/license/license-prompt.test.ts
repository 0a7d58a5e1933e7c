import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { findModel } from "../../../src/catalog/find-model.js";
import type { CliContext } from "../../../src/cli/context.js";
import { licensePrompt } from "../../../src/cli/license-prompt.js";
import { evaluateLicense } from "../../../src/license/evaluate-license.js";
import { LICENSE_FAMILIES } from "../../../src/license/families.js";

function ctx(signal = new AbortController().signal) {
  const stdin = new PassThrough();
  const stderr = new PassThrough();
  let err = "";
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const c: CliContext = { stdout: new PassThrough(), stderr, stdin, env: {}, signal };
  return { c, stdin, err: () => err };
}

const prompt = () => ({
  evaluation: evaluateLicense({ model: findModel({ name: "llama-3.1-8b" }), mau: 10, uses: ["redistribute"] }),
  family: LICENSE_FAMILIES["llama3.1"],
});

describe("licensePrompt", () => {
  it.each([
    ["y\n", true],
    ["yes\n", true],
    ["n\n", false],
    ["\n", false], // the default is "no": acceptance must be explicit
  ])("answer %j -> %s, after showing the summary and the disclaimer", async (answer, expected) => {
    const { c, stdin, err } = ctx();
    const p = licensePrompt(c)(prompt());
    stdin.write(answer);
    await expect(p).resolves.toBe(expected);
    expect(err()).toContain("Verdict: PERMITTED WITH OBLIGATIONS");
    expect(err()).toContain("automated reading of the license text, not legal advice");
    expect(err()).toContain("Do you accept the Llama 3.1 Community License Agreement");
  });

  it("an aborted signal is an interruption", async () => {
    const ac = new AbortController();
    const { c } = ctx(ac.signal);
    const p = licensePrompt(c)(prompt());
    ac.abort();
    await expect(p).rejects.toMatchObject({ category: "interrupted" });
  });
});
