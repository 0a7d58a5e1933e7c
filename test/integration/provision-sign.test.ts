/**
 * provision's `sign: {privateKeyEnv}`: a Meta model is signed after its download verified (the key's PEM comes from
 * the named environment variable and never reaches the report or the logs), and verify accepts the signature; an
 * unset variable fails the model before anything is fetched.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectDocumentedShape } from "../helpers/json-docs.js";
import { startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";

const KEYS = fileURLToPath(new URL("../fixtures/oms/keys/certificate/", import.meta.url));
let cdn: MetaCdn;
let work: string;
beforeAll(async () => {
  cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 100_000 });
  work = await mkdtemp(join(tmpdir(), "llamagate-provision-sign-"));
});
afterAll(async () => {
  await cdn?.close();
  await rm(work, { recursive: true, force: true });
});

const manifest = (dir: string) => `
license: { mau: 1M, acceptLicense: true }
models:
  - name: llama-2-7b
    source: meta
    metaUrlEnv: LLAMA_URL
    dir: ${dir}
    sign: { privateKeyEnv: FLEET_SIGN_KEY }
`;

it("signs the verified download with the key from the named variable; verify accepts it", async () => {
  const pem = await readFile(join(KEYS, "signing-key.pem"), "utf8");
  const dir = join(work, "meta");
  const file = join(work, "fleet.yaml");
  await writeFile(file, manifest(dir));
  const env = {
    HOME: work,
    LLAMAGATE_DATA_DIR: join(work, "state"),
    LLAMA_URL: cdn.url(),
    FLEET_SIGN_KEY: pem,
  };
  // In-process: the key reaches provision through the command's environment only (not this process's).
  const r = await runMain(["provision", file, "--json"], { env });
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout);
  expectDocumentedShape(json, "provision", ["bom"]);
  const model = join(dir, "llama-2-7b");
  expect(json.models[0]).toMatchObject({ status: "provisioned", signatures: [join(model, "model.sig")] });
  expect(r.stdout + r.stderr).not.toContain(pem.split("\n")[1]!);
  const v = await runCli(["verify", model, "--public-key", join(KEYS, "signing-key-pub.pem")]);
  expect(v.code, v.stderr).toBe(0);
});

it("an unset key variable fails the model before any request", async () => {
  const file = join(work, "unset.yaml");
  await writeFile(file, manifest(join(work, "unset")));
  const before = cdn.cdn.requests.length;
  const r = await runMain(["provision", file, "--json"], {
    env: { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), LLAMA_URL: cdn.url() },
  });
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stdout).models[0].error).toMatchObject({ code: "SIGN_KEY_ENV_UNSET", category: "usage" });
  expect(cdn.cdn.requests.length).toBe(before);
});
