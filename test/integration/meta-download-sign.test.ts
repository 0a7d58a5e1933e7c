/**
 * `download --sign-key`: a Meta download is signed (model.sig in the model folder) with no second pass over its
 * bytes (every digest comes from the verification sidecar the transfer wrote: `hashed` 0, and the sidecar's sha256
 * is the signature's), and `llamagate verify DIR --public-key PUB` accepts the signature.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectDocumentedShape } from "../helpers/json-docs.js";
import { runLlamagateInProcess, startMetaCdn, type MetaCdn } from "../helpers/meta-cdn-server.js";
import { runCli } from "../helpers/run-cli.js";

const KEYS = fileURLToPath(new URL("../fixtures/oms/keys/certificate/", import.meta.url));
let cdn: MetaCdn;
beforeAll(async () => {
  cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 200_000 });
});
afterAll(() => cdn?.close());

it("signs each model folder from the download's own digests, and verify accepts the signature", async () => {
  const dir = join(cdn.work, "signed");
  const r = await runLlamagateInProcess(
    ["download", "7B", "--dir", dir, "--sign-key", join(KEYS, "signing-key.pem"), "--json"],
    { env: { LLAMAGATE_META_URL: cdn.url() } },
  );
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout);
  expectDocumentedShape(json, "download (meta)");
  const model = join(dir, "llama-2-7b");
  expect(json.signatures).toEqual([{ path: model, signaturePath: join(model, "model.sig"), files: 3, hashed: 0 }]);
  // The shard's digest in the signature is the one the transfer measured (its sidecar), not a new pass.
  const side = JSON.parse(await readFile(join(model, ".consolidated.00.pth.llamagate.json"), "utf8"));
  const bundle = JSON.parse(await readFile(join(model, "model.sig"), "utf8"));
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
  expect(statement.predicate.resources).toContainEqual({
    name: "consolidated.00.pth",
    algorithm: "sha256",
    digest: side.hashes.sha256,
  });

  const v = await runCli(["verify", model, "--public-key", join(KEYS, "signing-key-pub.pem")]);
  expect(v.code, v.stderr).toBe(0);
  expect(v.stdout).toContain("consolidated.00.pth: OK");
  // A signing key's path is fine in output; its contents never are.
  const pem = await readFile(join(KEYS, "signing-key.pem"), "utf8");
  expect(r.stdout + r.stderr).not.toContain(pem.split("\n")[1]!);
});

it("a key that is not a private key is refused before the first request", async () => {
  const before = cdn.cdn.requests.length;
  const r = await runLlamagateInProcess(
    ["download", "7B", "--dir", join(cdn.work, "bad"), "--sign-key", join(KEYS, "signing-key-pub.pem"), "--json"],
    { env: { LLAMAGATE_META_URL: cdn.url() } },
  );
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stdout).error.code).toBe("KEY_UNREADABLE");
  expect(cdn.cdn.requests.length).toBe(before);
});

it("a download finished before sha256 was recorded is not read again for it; signing it then hashes", async () => {
  const dir = join(cdn.work, "older");
  const env = { LLAMAGATE_META_URL: cdn.url() };
  const first = await runLlamagateInProcess(["download", "7B", "--dir", dir, "--json"], { env });
  expect(first.code, first.stderr).toBe(0);
  expect(JSON.parse(first.stdout).signatures).toEqual([]);
  // What an older llamagate left: sidecars with md5 only (the file's size, mtime and inode still match).
  const model = join(dir, "llama-2-7b");
  const sidecars = (await readdir(model)).filter((n) => n.endsWith(".llamagate.json"));
  expect(sidecars.length).toBe(3);
  for (const n of sidecars) {
    const j = JSON.parse(await readFile(join(model, n), "utf8"));
    delete j.hashes.sha256;
    await writeFile(join(model, n), JSON.stringify(j));
  }
  const rerun = await runLlamagateInProcess(["download", "7B", "--dir", dir, "--json"], { env });
  expect(rerun.code, rerun.stderr).toBe(0);
  for (const n of sidecars)
    expect(JSON.parse(await readFile(join(model, n), "utf8")).hashes.sha256, `${n} was read again`).toBeUndefined();
  const signed = await runLlamagateInProcess(
    ["download", "7B", "--dir", dir, "--sign-key", join(KEYS, "signing-key.pem"), "--json"],
    { env },
  );
  expect(signed.code, signed.stderr).toBe(0);
  expect(JSON.parse(signed.stdout).signatures[0]).toMatchObject({ files: 3, hashed: 3 });
  const v = await runCli(["verify", model, "--public-key", join(KEYS, "signing-key-pub.pem")]);
  expect(v.code, v.stderr).toBe(0);
});
