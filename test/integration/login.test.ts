import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { exampleHub, TOKENS } from "../helpers/hub-fixtures.js";
import { runCli, type CliRun } from "../helpers/run-hf-cli.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

let hub: HubServer;
let root: string;
const outputs: CliRun[] = [];

beforeAll(async () => {
  hub = await startHubServer(exampleHub());
  root = await mkdtemp(join(tmpdir(), "lg-login-"));
});
afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

/** A fresh user: own HOME, config and HF_HOME; no D-Bus session, so no keychain (the headless-server case). */
async function user(name: string) {
  const home = join(root, name);
  await mkdir(home, { recursive: true });
  const env = {
    HOME: home,
    HF_ENDPOINT: hub.endpoint,
    HF_HOME: join(home, "hf"),
    LLAMAGATE_CONFIG_DIR: join(home, "cfg"),
  };
  const cli = async (args: string[], extra: { stdin?: string; env?: Record<string, string> } = {}) => {
    const r = await runCli(args, { env: { ...env, ...extra.env }, stdin: extra.stdin });
    outputs.push(r);
    return r;
  };
  return { home, env, cli, tokenFile: join(home, "cfg", "hf-token") };
}

describe("login / whoami / logout without a keychain (0600 file fallback)", () => {
  it("login --token-stdin validates the token, falls back to the file once with a notice, whoami reads it, logout removes it", async () => {
    const u = await user("alice");
    const login = await u.cli(["login", "--token-stdin"], { stdin: `${TOKENS.granted}\n` });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain("as alice (token role: read)");
    expect(login.stderr).toMatch(
      /notice: no usable system keychain .*; the token is stored in .*hf-token, readable only by you\./,
    );
    // The reason is said once: not "(The system keychain is not available (The system keychain is not ...".
    expect(login.stderr.match(/keychain/g)).toHaveLength(1);
    expect((await stat(u.tokenFile)).mode & 0o777).toBe(0o600);

    const who = await u.cli(["whoami"]);
    expect(who.code).toBe(0);
    expect(who.stdout).toContain("user: alice (alice Example)");
    expect(who.stdout).toContain("role read, from llamagate token file");
    expect(who.stdout).toContain("gated repos: readable once the repo authors grant");

    const out = await u.cli(["logout"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`removed the token from ${u.tokenFile}`);
    await expect(stat(u.tokenFile)).rejects.toThrow();

    const after = await u.cli(["whoami"]);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain("No Hugging Face token is configured.");
  });

  it("a token the Hub rejects is not stored (exit 4)", async () => {
    const u = await user("mallory");
    const r = await u.cli(["login", "--token-stdin"], { stdin: "hf_Rejected000000000000000000000000000" });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("was rejected as invalid");
    await expect(stat(u.tokenFile)).rejects.toThrow();
  });

  it("without a terminal, login asks for --token-stdin (usage, exit 2)", async () => {
    const u = await user("notty");
    const r = await u.cli(["login"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--token-stdin");
  });

  it("HF_TOKEN wins over the stored token, and login warns about it", async () => {
    const u = await user("both");
    const login = await u.cli(["login", "--token-stdin"], {
      stdin: TOKENS.granted,
      env: { HF_TOKEN: TOKENS.noAccess },
    });
    expect(login.stderr).toContain("HF_TOKEN is set and takes precedence");
    const who = await u.cli(["whoami", "--json"], { env: { HF_TOKEN: TOKENS.noAccess } });
    expect(JSON.parse(who.stdout)).toMatchObject({
      ok: true,
      user: "bob",
      token: { source: "HF_TOKEN", role: "read" },
    });
  });

  it("falls back to the hf CLI's token file ($HF_HOME/token)", async () => {
    const u = await user("hfcli");
    await mkdir(join(u.home, "hf"), { recursive: true });
    await writeFile(join(u.home, "hf", "token"), TOKENS.pending);
    const who = await u.cli(["whoami"]);
    expect(who.stdout).toContain("user: carol");
    expect(who.stdout).toContain("from hf token file");
  });

  it("whoami names the missing checkbox for a fine-grained token without gated access (--json too)", async () => {
    const u = await user("erin");
    const text = await u.cli(["whoami", "--token-stdin"], { stdin: TOKENS.fineGrainedNoGated });
    expect(text.stdout).toContain(
      'gated repos: NOT readable: tick "Read access to contents of all public gated repos you can access"',
    );
    const json = await u.cli(["whoami", "--token-stdin", "--json"], { stdin: TOKENS.fineGrainedNoGated });
    expectDocumentedShape(JSON.parse(json.stdout), "whoami");
    const login = await u.cli(["login", "--token-stdin", "--json"], { stdin: `${TOKENS.granted}\n` });
    expectDocumentedShape(JSON.parse(login.stdout), "login");
    const logout = await u.cli(["logout", "--json"]);
    expectDocumentedShape(JSON.parse(logout.stdout), "logout");
    expect(JSON.parse(json.stdout)).toMatchObject({
      user: "erin",
      token: { role: "fineGrained", canReadGatedRepos: false, source: "--token-stdin" },
    });
  });

  it("a bad HF_TOKEN is reported as such (exit 4) with a hint to fix or unset it", async () => {
    const u = await user("badenv");
    const r = await u.cli(["whoami"], { env: { HF_TOKEN: "hf_Garbage0000000000000000000000000000" } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("token from HF_TOKEN was rejected");
    expect(r.stderr).toContain("unset HF_TOKEN");
  });

  it("no token ever appears in any output", () => {
    expect(outputs.length).toBeGreaterThan(8);
    const all = outputs.map((o) => o.stdout + o.stderr).join("\n");
    for (const t of [
      ...Object.values(TOKENS),
      "hf_Rejected000000000000000000000000000",
      "hf_Garbage0000000000000000000000000000",
    ])
      expect(all).not.toContain(t);
  });
});
