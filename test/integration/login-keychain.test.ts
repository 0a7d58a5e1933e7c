/**
 * `llamagate login` against a real Secret Service (gnome-keyring, headless). Runs inside
 * scripts/keyring-test-env.sh (CI does that); skipped with a printed reason when there is no D-Bus session.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { exampleHub, TOKENS } from "../helpers/hub-fixtures.js";
import { runCli } from "../helpers/run-hf-cli.js";

const bus = process.env.DBUS_SESSION_BUS_ADDRESS;
if (!bus)
  console.warn(
    "login-keychain.test.ts skipped: no D-Bus session, so no Secret Service; run it through scripts/keyring-test-env.sh",
  );

describe.skipIf(!bus)("login with the system keychain (Secret Service)", () => {
  let hub: HubServer;
  let home: string;
  beforeAll(async () => {
    hub = await startHubServer(exampleHub());
    home = await mkdtemp(join(tmpdir(), "lg-kc-"));
  });
  afterAll(async () => {
    await hub.close();
    await rm(home, { recursive: true, force: true });
  });

  it("stores the token in the keychain (no file), whoami finds it there, logout deletes it", async () => {
    // HOME stays the wrapper's throwaway HOME (where the daemon keeps its keyring); config goes elsewhere.
    const env = {
      HOME: process.env.HOME,
      DBUS_SESSION_BUS_ADDRESS: bus,
      HF_ENDPOINT: hub.endpoint,
      HF_HOME: join(home, "hf"),
      LLAMAGATE_CONFIG_DIR: join(home, "cfg"),
      LLAMAGATE_CREDENTIAL_STORE: "keychain",
    };
    const login = await runCli(["login", "--token-stdin", "--json"], { env, stdin: TOKENS.granted });
    expect(login.code).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({
      ok: true,
      user: "alice",
      store: { kind: "keychain" },
      fallback: false,
    });
    await expect(stat(join(home, "cfg", "hf-token"))).rejects.toThrow();

    const who = await runCli(["whoami"], { env });
    expect(who.stdout).toContain("from llamagate keychain");

    const out = await runCli(["logout"], { env });
    expect(out.stdout).toContain("the system keychain");
    const after = await runCli(["whoami"], { env });
    expect(after.code).toBe(4);
    for (const r of [login, who, out, after]) expect(r.stdout + r.stderr).not.toContain(TOKENS.granted);
  });
});
