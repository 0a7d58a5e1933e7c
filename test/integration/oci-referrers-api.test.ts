/**
 * The referrers-API path of signed fleet artifacts, against the small registry helper answering
 * `GET /v2/<name>/referrers/<digest>` and `OCI-Subject` (the real docker-registry has no referrers API; its
 * fallback tag path is tested in oci-signed.test.ts): push attaches the signature without touching a
 * `sha256-<hex>` tag, and pull --require-signature finds it through the API.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import { startHostileRegistry, type HostileRegistry } from "../helpers/hostile-registry.js";
import { runMain } from "../helpers/run-main.js";

const KEYS = fileURLToPath(new URL("../fixtures/oms/keys/certificate/", import.meta.url));
let work: string;
let registry: HostileRegistry;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-referrers-"));
  registry = await startHostileRegistry({ writable: { referrersApi: true } });
});
afterEach(async () => {
  await registry.close();
  await rm(work, { recursive: true, force: true });
});

it("push attaches the signature through the referrers API; pull --require-signature finds it there", async () => {
  const env = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") };
  const model = join(work, "tiny");
  await mkdir(model);
  await writeFile(join(model, "model.safetensors"), Buffer.alloc(5000, 1));
  await writeFile(join(model, "config.json"), "{}\n");
  const signed = await runMain(["sign", model, "--private-key", join(KEYS, "signing-key.pem")], { env });
  expect(signed.code, signed.stderr).toBe(0);

  const ref = `${registry.host}/models/tiny:v1`;
  const push = await runMain(
    ["push", model, ref, "--plain-http", "--monolithic", "--license-family", "none", "--json"],
    { env },
  );
  expect(push.code, push.stderr).toBe(0);
  const pushed = JSON.parse(push.stdout);
  expect(pushed.referrers).toEqual([
    {
      artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      digest: expect.any(String),
      mode: "referrers-api",
    },
  ]);
  const tag = pushed.digest.replace(":", "-");
  expect(registry.requests.filter((r) => r.url.includes(tag))).toEqual([]);

  const dest = join(work, "pulled");
  const pull = await runMain(
    [
      "pull",
      ref,
      "--dir",
      dest,
      "--plain-http",
      "--require-signature",
      "--public-key",
      join(KEYS, "signing-key-pub.pem"),
      "--json",
    ],
    { env },
  );
  expect(pull.code, pull.stderr).toBe(0);
  expect(
    registry.requests.some((r) => r.method === "GET" && r.url === `/v2/models/tiny/referrers/${pushed.digest}`),
  ).toBe(true);
  expect(registry.requests.filter((r) => r.url.includes(tag))).toEqual([]);
  expect(await readFile(join(dest, "model.sig"))).toEqual(await readFile(join(model, "model.sig")));
  expect(await readFile(join(dest, "model.safetensors"))).toEqual(Buffer.alloc(5000, 1));
});

it("certificate method: a model signed with a certificate is pulled with --certificate-chain (the root CA)", async () => {
  const env = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") };
  const model = join(work, "tiny-cert");
  await mkdir(model);
  await writeFile(join(model, "model.gguf"), Buffer.alloc(3000, 2));
  const signed = await runMain(
    [
      "sign",
      model,
      "--private-key",
      join(KEYS, "signing-key.pem"),
      "--signing-certificate",
      join(KEYS, "signing-key-cert.pem"),
      "--certificate-chain",
      join(KEYS, "int-ca-cert.pem"),
    ],
    { env },
  );
  expect(signed.code, signed.stderr).toBe(0);
  const ref = `${registry.host}/models/cert:v1`;
  const push = await runMain(["push", model, ref, "--plain-http", "--monolithic", "--license-family", "none"], { env });
  expect(push.code, push.stderr).toBe(0);
  const pull = (dir: string, ca: string) =>
    runMain(
      [
        "pull",
        ref,
        "--dir",
        join(work, dir),
        "--plain-http",
        "--require-signature",
        "--certificate-chain",
        ca,
        "--json",
      ],
      { env },
    );
  const ok = await pull("ok", join(KEYS, "ca-cert.pem"));
  expect(ok.code, ok.stderr).toBe(0);
  expect(await readFile(join(work, "ok", "model.gguf"))).toEqual(Buffer.alloc(3000, 2));
  // A --certificate-chain file that is no certificate (here a public key) is a usage error, before any layer.
  const keyAsCa = await pull("refused", join(KEYS, "signing-key-pub.pem"));
  expect(keyAsCa.code).toBe(2);
  // A flag without --require-signature is a usage error, not a silent unverified pull.
  const unused = await runMain(
    ["pull", ref, "--dir", join(work, "x"), "--plain-http", "--public-key", join(KEYS, "signing-key-pub.pem")],
    { env },
  );
  expect(unused.code).toBe(2);
  expect(unused.stderr).toContain("--require-signature");
});

it("a signature referrer listed under another model's fallback tag, whose subject is not that model, is not taken", async () => {
  await registry.close();
  registry = await startHostileRegistry({ writable: {} }); // no referrers API: the sha256-<hex> tag schema
  const env = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") };
  const push = async (name: string, sign: boolean) => {
    const dir = join(work, name);
    await mkdir(dir);
    await writeFile(join(dir, "model.gguf"), Buffer.from(name));
    if (sign)
      expect((await runMain(["sign", dir, "--private-key", join(KEYS, "signing-key.pem")], { env })).code).toBe(0);
    const r = await runMain(
      [
        "push",
        dir,
        `${registry.host}/models/m:${name}`,
        "--plain-http",
        "--monolithic",
        "--license-family",
        "none",
        "--json",
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { digest: string; referrers: { digest: string; mode: string }[] };
  };
  const signed = await push("signed", true);
  expect(signed.referrers[0]!.mode).toBe("tag-schema");
  const unsigned = await push("unsigned", false);
  // Someone who may push lists the other model's signature referrer under the unsigned model's fallback tag.
  const index = await fetch(`http://${registry.host}/v2/models/m/manifests/${signed.digest.replace(":", "-")}`).then(
    (r) => r.arrayBuffer(),
  );
  const put = await fetch(`http://${registry.host}/v2/models/m/manifests/${unsigned.digest.replace(":", "-")}`, {
    method: "PUT",
    headers: { "content-type": "application/vnd.oci.image.index.v1+json" },
    body: Buffer.from(index),
  });
  expect(put.status).toBe(201);
  const pull = await runMain(
    [
      "pull",
      `${registry.host}/models/m:unsigned`,
      "--dir",
      join(work, "dest"),
      "--plain-http",
      "--require-signature",
      "--public-key",
      join(KEYS, "signing-key-pub.pem"),
      "--json",
    ],
    { env },
  );
  expect(pull.code, pull.stderr).toBe(5);
  expect(JSON.parse(pull.stdout).error.code).toBe("SIGNATURE_NOT_ATTACHED");
});
