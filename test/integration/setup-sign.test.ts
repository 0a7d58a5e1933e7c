/**
 * `setup --sign-key`: the verified Meta download is signed before conversion, from the transfer's digests
 * (`hashed` 0), the repeat line keeps the flag, and verify accepts the signature.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectDocumentedShape } from "../helpers/json-docs.js";
import { startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { runCli } from "../helpers/run-cli.js";

const KEYS = fileURLToPath(new URL("../fixtures/oms/keys/certificate/", import.meta.url));
let cdn: MetaCdn;
beforeAll(async () => {
  cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 100_000 });
});
afterAll(() => cdn?.close());

it("signs the model folder after verification; verify accepts it", async () => {
  const dir = join(cdn.work, "setup");
  const key = join(KEYS, "signing-key.pem");
  const r = await runCli(
    [
      "setup",
      "llama-2-7b",
      "--dir",
      dir,
      "--to",
      "none",
      "--mau",
      "1M",
      "--accept-license",
      "--sign-key",
      key,
      "--json",
    ],
    {
      env: { LLAMAGATE_META_URL: cdn.url(), LLAMAGATE_DATA_DIR: join(cdn.work, "state"), HOME: cdn.work },
      timeoutMs: 90_000,
    },
  );
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout);
  expectDocumentedShape(json, "setup");
  const model = join(dir, "llama-2-7b");
  expect(json.signatures).toEqual([{ path: model, signaturePath: join(model, "model.sig"), files: 3, hashed: 0 }]);
  expect(json.command).toContain(`--sign-key ${key}`);
  const v = await runCli(["verify", model, "--public-key", join(KEYS, "signing-key-pub.pem")]);
  expect(v.code, v.stderr).toBe(0);
});
