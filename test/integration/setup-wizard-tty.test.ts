/**
 * `llamagate setup` on a real terminal (a pty made by util-linux `script`): the wizard asks only what the
 * flags and environment left open, the license gate asks for acceptance after showing the verdict, and
 * the run ends with the command that repeats it without questions. Skipped where `script` is missing.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../../src/catalog/find-model.js";
import { generateMetaRelease } from "../../src/demo/generate-meta-release.js";
import { serveSignedCdn, type SignedCdn } from "../../src/demo/serve-signed-cdn.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript)
  console.warn("setup-wizard-tty.test.ts skipped: util-linux `script` (used to make a pty) is not installed");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe.skipIf(!hasScript)("setup wizard on a terminal", () => {
  let work: string;
  let cdn: SignedCdn;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-setup-tty-"));
    await generateMetaRelease({ root: join(work, "cdn"), models: [findModel({ name: "llama-2-7b" })] });
    cdn = await serveSignedCdn({ root: join(work, "cdn"), secret: "tty-secret", keyPairId: "KTTY" });
  });
  afterAll(async () => {
    await cdn.close();
    await rm(work, { recursive: true, force: true });
  });

  it("asks model, source, license facts, destination, format, dtype and smoke test, then the acceptance", async () => {
    const dir = join(work, "models");
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: work,
      TERM: "xterm",
      NO_COLOR: "1",
      LLAMAGATE_DATA_DIR: join(work, "state"),
      LLAMAGATE_CONFIG_DIR: join(work, "cfg"),
      LLAMAGATE_CREDENTIAL_STORE: "file",
      LLAMAGATE_META_URL: cdn.signUrl({ expiresAt: new Date(Date.now() + 3600_000) }),
    };
    // Each answer is typed once its question is on screen (Enter takes the default choice).
    const script: [string, string][] = [
      ["Which model?", "\r"],
      ["Download from where?", "\r"],
      ["Monthly active users", "1000\r"],
      ["Country of domicile", "\r"],
      ["Intended uses", "\r"],
      ["Destination folder", `${dir}\r`],
      ["Convert to?", "\r"],
      ["Weight type of the output?", "\r"],
      ["Run the smoke test", "n\r"],
      ["Do you accept the Llama 2 Community License", "y\r"],
    ];
    const cmd = `stty cols 120 rows 40; exec ${JSON.stringify(process.execPath)} bin/llamagate.js setup`;
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, env });
    let out = "";
    let step = 0;
    let seen = 0;
    const done = new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    child.stdout.on("data", (d) => {
      out += d;
      while (step < script.length) {
        const at = out.indexOf(script[step]![0], seen);
        if (at < 0) break;
        seen = at + script[step]![0].length;
        child.stdin.write(script[step]![1]);
        step++;
      }
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), 100_000);
    const code = await done;
    clearTimeout(guard);
    expect(step, out).toBe(script.length);
    expect(code, out).toBe(0);
    // The verdict was shown before the acceptance was asked.
    expect(out.indexOf("Verdict: PERMITTED")).toBeLessThan(out.indexOf("Do you accept"));
    expect(out).toContain(
      `Repeat this run without questions: llamagate setup llama-2-7b --source meta --dir ${dir} --to gguf --dtype bf16 --mau 1000 --accept-license --no-smoke-test`,
    );
    expect(out).not.toMatch(/Policy=|Signature=/);
    expect((await stat(join(dir, "llama-2-7b-bf16.gguf"))).isFile()).toBe(true);
    const audit = JSON.parse((await readFile(join(work, "state", "license-audit.jsonl"), "utf8")).trim());
    expect(audit).toMatchObject({ model: "llama-2-7b", mau: 1000, acceptedVia: "prompt", command: "setup" });
  }, 120_000);
});
