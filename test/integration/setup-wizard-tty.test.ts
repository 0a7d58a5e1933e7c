/**
 * `llamagate setup` on a real terminal (a pty made by util-linux `script`): the wizard asks only what the
 * flags and environment left open, the license gate asks for acceptance after showing the verdict, and
 * the run ends with the command that repeats it without questions. Skipped where `script` is missing.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../../src/catalog/find-model.js";
import { generateMetaRelease } from "../../src/demo/generate-meta-release.js";
import { serveSignedCdn, type SignedCdn } from "../../src/demo/serve-signed-cdn.js";
import { convertCheckpoint } from "../../src/convert/convert-checkpoint.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";

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

/** Answer each question once it is on screen; resolves with the exit code, the screen text and how far it got. */
async function drive(cmd: string, env: Record<string, string>, script: [string, string][]) {
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
  return { code, out, step };
}

describe.skipIf(!hasScript)("setup wizard on a terminal, cancelled", () => {
  it("Ctrl-C at a question: exit 130, and it does not promise to continue where nothing was kept", async () => {
    const home = await mkdtemp(join(tmpdir(), "lg-setup-tty-cancel-"));
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      TERM: "xterm",
      NO_COLOR: "1",
      LLAMAGATE_DATA_DIR: join(home, "state"),
    };
    const cmd = `stty cols 100 rows 30; exec ${JSON.stringify(process.execPath)} bin/llamagate.js setup`;
    const { code, out, step } = await drive(cmd, env, [["Which model?", "\x03"]]);
    await rm(home, { recursive: true, force: true });
    expect(step, out).toBe(1);
    expect(code, out).toBe(130);
    expect(out).toMatch(/Setup cancelled; nothing was fetched\. Nothing was kept: run llamagate setup again/);
    expect(out).not.toMatch(/continue where/);
  }, 60_000);
});

describe.skipIf(!hasScript)("setup wizard on a terminal, Hugging Face without a token", () => {
  const TOKEN = "hf_WizardLoginGranted0000000000000001";
  const model = findModel({ name: "llama-2-7b" });
  let work: string;
  let hub: HubServer;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-setup-tty-hf-"));
    await generateMetaRelease({ root: join(work, "meta"), models: [model] });
    const out = join(work, "hf-repo");
    await convertCheckpoint({ input: join(work, "meta", "llama-2-7b"), to: "hf", out });
    const files = [];
    for (const name of await readdir(out)) {
      const lfs = name.endsWith(".safetensors") || name === "tokenizer.model";
      files.push({ path: name, content: await readFile(join(out, name)), lfs });
    }
    hub = await startHubServer({
      repos: [{ id: model.hfRepo, gated: "manual", commit: "5e7f3a1c9b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f", files }],
      tokens: [{ token: TOKEN, user: "alice", role: "read", access: { [model.hfRepo]: "granted" } }],
    });
  });
  afterAll(async () => {
    await hub.close();
    await rm(work, { recursive: true, force: true });
  });

  it("offers to log in before the license questions (hidden prompt, checked with whoami, stored as login does)", async () => {
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: work,
      TERM: "xterm",
      NO_COLOR: "1",
      HF_ENDPOINT: hub.endpoint,
      HF_HOME: join(work, "hf"),
      LLAMAGATE_DATA_DIR: join(work, "state"),
      LLAMAGATE_CONFIG_DIR: join(work, "cfg"),
      LLAMAGATE_CREDENTIAL_STORE: "file",
    };
    const cmd = `stty cols 120 rows 40; exec ${JSON.stringify(process.execPath)} bin/llamagate.js setup llama-2-7b --source hf --dir ${JSON.stringify(join(work, "plain"))} --to none`;
    const { code, out, step } = await drive(cmd, env, [
      ["Log in now?", "\r"],
      // A token the Hub refuses is said at the prompt, which asks again (Ctrl-U clears the line).
      // The token prompt's own text: "Hugging Face token" alone also matches the question before it ("No Hugging Face
      // token found ..."), and typing then, between two prompts, lets the terminal echo the token (a flake under load).
      ["Hugging Face token (from", "hf_WizardLoginWrong00000000000000001\r"],
      ["was rejected as invalid", `\x15${TOKEN}\r`],
      ["Monthly active users", "1000\r"],
      ["Country of domicile", "\r"],
      ["Intended uses", "\r"],
      ["Do you accept the Llama 2 Community License", "y\r"],
    ]);
    expect(step, out).toBe(7);
    expect(code, out).toBe(0);
    expect(out.indexOf("Log in now?")).toBeLessThan(out.indexOf("Monthly active users"));
    expect(out).toMatch(/Logged in to http:\/\/127\.0\.0\.1:\d+ as alice; token stored in /);
    expect(out).not.toContain(TOKEN); // the prompt echoes nothing
    expect(out).not.toContain("hf_WizardLoginWrong");
    // Stored where `llamagate login` stores it: the next command finds it.
    expect(await readFile(join(work, "cfg", "hf-token"), "utf8").catch(() => "")).toContain(TOKEN);
    expect((await stat(join(work, "plain", "config.json"))).isFile()).toBe(true);
  }, 120_000);
});
