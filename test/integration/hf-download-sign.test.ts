/**
 * `download --source hf --sign-key`: a --local-dir download is signed from the digests the transfer measured
 * (LFS files by their sha256, small files by the sha256 computed beside their git sha1: nothing read again), without
 * huggingface_hub's `.cache/huggingface` bookkeeping, and verify accepts it; into the cache (a snapshot of links)
 * it is refused before any request.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PUBLIC_COMMIT, PUBLIC_REPO, pseudoRandomBytes } from "../helpers/hub-fixtures.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";
import { runCli } from "../helpers/run-cli.js";

const KEYS = fileURLToPath(new URL("../fixtures/oms/keys/certificate/", import.meta.url));
let hub: HubServer;
let work: string;
beforeAll(async () => {
  hub = await startHubServer({
    repos: [
      {
        id: PUBLIC_REPO,
        commit: PUBLIC_COMMIT,
        files: [
          { path: "config.json", content: Buffer.from('{"model_type":"llama"}') },
          { path: "model.safetensors", content: pseudoRandomBytes(120_000, 3), lfs: true },
        ],
      },
    ],
    tokens: [],
  });
  work = await mkdtemp(join(tmpdir(), "llamagate-hf-sign-"));
});
afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

const env = () => ({
  HOME: work,
  LLAMAGATE_DATA_DIR: join(work, "state"),
  HF_HOME: join(work, "hf"),
  HF_ENDPOINT: hub.endpoint,
  HF_TOKEN: undefined,
});

it("signs the --local-dir from the transfer's digests; verify accepts it", async () => {
  const out = join(work, "model");
  const r = await runCli(
    [
      "download",
      PUBLIC_REPO,
      "--source",
      "hf",
      "--local-dir",
      out,
      "--sign-key",
      join(KEYS, "signing-key.pem"),
      "--json",
    ],
    { env: env() },
  );
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout);
  expectDocumentedShape(json, "download (hf)");
  expect(json.signatures).toEqual([{ path: out, signaturePath: join(out, "model.sig"), files: 2, hashed: 0 }]);
  const v = await runCli(["verify", out, "--public-key", join(KEYS, "signing-key-pub.pem")], { env: env() });
  expect(v.code, v.stderr).toBe(0);
});

it("into the Hub cache it is refused before any request", async () => {
  const before = hub.requests.length;
  const r = await runCli(
    ["download", PUBLIC_REPO, "--source", "hf", "--sign-key", join(KEYS, "signing-key.pem"), "--json"],
    { env: env() },
  );
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stdout).error.code).toBe("SIGN_NEEDS_LOCAL_DIR");
  expect(hub.requests.length).toBe(before);
});
