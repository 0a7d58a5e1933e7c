/**
 * `llamagate login` on a real terminal (a pty made by util-linux `script`): the token is asked with a
 * hidden prompt, never echoed, and stored. Skipped (with the reason) where `script` is missing.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { exampleHub, TOKENS } from "../helpers/hub-fixtures.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript) console.warn("login-tty.test.ts skipped: util-linux `script` (used to make a pty) is not installed");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe.skipIf(!hasScript)("login on a terminal", () => {
  let hub: HubServer;
  let home: string;
  beforeAll(async () => {
    hub = await startHubServer(exampleHub());
    home = await mkdtemp(join(tmpdir(), "lg-tty-"));
  });
  afterAll(async () => {
    await hub.close();
    await rm(home, { recursive: true, force: true });
  });

  it("asks with a hidden prompt: the typed token is never echoed, and it is stored", async () => {
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      HF_ENDPOINT: hub.endpoint,
      HF_HOME: join(home, "hf"),
      LLAMAGATE_CONFIG_DIR: join(home, "cfg"),
      TERM: "xterm",
      NO_COLOR: "1",
    };
    const cmd = `stty cols 100 rows 30; exec ${JSON.stringify(process.execPath)} bin/llamagate.js login`;
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, env });
    let out = "";
    let typed = false;
    const done = new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    child.stdout.on("data", (d) => {
      out += d;
      if (!typed && out.includes("Hugging Face token")) {
        typed = true;
        child.stdin.write(`${TOKENS.granted}\r`);
      }
    });
    // Never hang the suite if the prompt does not show up: end the session (the assertions then fail).
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await done;
    clearTimeout(guard);
    expect(typed, out).toBe(true);
    expect(code, out).toBe(0);
    expect(out).toContain("as alice");
    expect(out).not.toContain(TOKENS.granted);
    expect((await readFile(join(home, "cfg", "hf-token"), "utf8")).trim()).toBe(TOKENS.granted);
  });
});
