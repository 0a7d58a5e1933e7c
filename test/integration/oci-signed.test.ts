/**
 * Signed fleet artifacts against the real CNCF distribution registry (Debian's docker-registry, which has no
 * referrers API): `push` attaches model.sig (and with --bom a CycloneDX BOM) as OCI 1.1 referrers through the
 * `sha256-<hex>` fallback tag index; `pull --require-signature` verifies before anything is placed, and a signature
 * from another key, or none at all, leaves the destination empty with the documented exit code.
 */
import { execFile } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";
import { runMain } from "../helpers/run-main.js";

const HAVE = hasProgram("docker-registry") && hasProgram("skopeo");
const KEYS = fileURLToPath(new URL("../fixtures/oms/keys/certificate/", import.meta.url));

let registry: LocalRegistry;
let work: string;
let model: string;
beforeAll(async () => {
  if (HAVE) registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-oci-signed-"));
  model = join(work, "tiny-model");
  await mkdir(join(model, "sub"), { recursive: true });
  await writeFile(join(model, "model.safetensors"), Buffer.alloc(70_000, 7));
  await writeFile(join(model, "config.json"), '{"dim":8}\n');
  await writeFile(join(model, "sub", "tokenizer.json"), "{}\n");
  return () => rm(work, { recursive: true, force: true });
});

const env = () => ({ HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") });
// The CLI in this process: no Node start-up per run (what is checked is the output and the files).
const cli = (args: string[]) => runMain(args, { env: env() });

function skopeoRaw(ref: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`], { encoding: "utf8" }, (e, o, s) =>
      resolve({ status: e ? 1 : 0, stdout: o, stderr: s }),
    ),
  );
}

async function sign(): Promise<void> {
  const r = await cli(["sign", model, "--private-key", join(KEYS, "signing-key.pem"), "--json"]);
  expect(r.code, r.stderr).toBe(0);
}

async function push(
  ref: string,
  extra: string[] = [],
): Promise<{ digest: string; referrers: Record<string, string>[] }> {
  const r = await cli(["push", model, ref, "--plain-http", "--license-family", "none", "--json", ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const exists = (p: string) =>
  readdir(p).then(
    (n) => n,
    () => undefined,
  );

describe.skipIf(!HAVE)("signed fleet artifacts (real docker-registry: referrers tag schema)", () => {
  it("push attaches model.sig and the BOM as referrers; pull --require-signature verifies it and writes model.sig", async () => {
    await sign();
    const ref = `${registry.host}/signed/tiny:v1`;
    const pushed = await push(ref, ["--bom"]);
    expect(pushed.referrers.map((r) => [r.artifactType, r.mode])).toEqual([
      ["application/vnd.dev.sigstore.bundle.v0.3+json", "tag-schema"],
      ["application/vnd.cyclonedx+json", "tag-schema"],
    ]);

    // The model's layers do not carry model.sig: the signature is not one of the files it signs.
    const manifest = JSON.parse((await skopeoRaw(ref)).stdout);
    const paths = manifest.layers.map(
      (l: { annotations: Record<string, string> }) => l.annotations["org.cncf.model.filepath"],
    );
    expect(paths.sort()).toEqual(["config.json", "model.safetensors", "sub/tokenizer.json"]);

    // The fallback tag's index lists both referrers; each names the model manifest as its subject.
    const index = JSON.parse(
      (await skopeoRaw(`${registry.host}/signed/tiny:${pushed.digest.replace(":", "-")}`)).stdout,
    );
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests.map((m: { artifactType: string }) => m.artifactType)).toEqual([
      "application/vnd.dev.sigstore.bundle.v0.3+json",
      "application/vnd.cyclonedx+json",
    ]);
    const sigManifest = JSON.parse(
      (await skopeoRaw(`${registry.host}/signed/tiny@${index.manifests[0].digest}`)).stdout,
    );
    expect(sigManifest.subject.digest).toBe(pushed.digest);
    expect(sigManifest.config.mediaType).toBe("application/vnd.oci.empty.v1+json");

    // Pushing again adds nothing twice.
    const again = await push(ref, ["--bom"]);
    expect(again.digest).toBe(pushed.digest);

    const dest = join(work, "pulled");
    const pull = await cli([
      "pull",
      ref,
      "--dir",
      dest,
      "--plain-http",
      "--require-signature",
      "--public-key",
      join(KEYS, "signing-key-pub.pem"),
      "--json",
    ]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(JSON.parse(pull.stdout).signature.digest).toBe(index.manifests[0].digest);
    expect(await readFile(join(dest, "model.sig"))).toEqual(await readFile(join(model, "model.sig")));
    expect(await readFile(join(dest, "sub", "tokenizer.json"), "utf8")).toBe("{}\n");
    expect((await exists(join(dest, ".llamagate-oci")))?.filter((n) => n.startsWith("staging"))).toEqual([]);
    // The pulled copy verifies on its own, later, with the same key.
    const verify = await cli(["verify", dest, "--public-key", join(KEYS, "signing-key-pub.pem")]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it("another key is refused with exit 6 and nothing is left in the destination", async () => {
    await sign();
    const ref = `${registry.host}/signed/tiny:other-key`;
    await push(ref);
    const other = join(work, "other-pub.pem");
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await writeFile(other, publicKey.export({ type: "spki", format: "pem" }));
    const dest = join(work, "refused");
    const pull = await cli([
      "pull",
      ref,
      "--dir",
      dest,
      "--plain-http",
      "--require-signature",
      "--public-key",
      other,
      "--json",
    ]);
    expect(pull.code, pull.stderr).toBe(6);
    expect(JSON.parse(pull.stdout).error.code).toBe("SIGNATURE_INVALID");
    expect(await exists(dest)).toBeUndefined();
  });

  it("an artifact with no signature is refused with exit 5 (SIGNATURE_NOT_ATTACHED) before any file is fetched", async () => {
    const ref = `${registry.host}/signed/unsigned:v1`;
    const pushed = await push(ref);
    expect(pushed.referrers).toEqual([]);
    const weights = `GET /v2/signed/unsigned/blobs/sha256:${createHash("sha256").update(Buffer.alloc(70_000, 7)).digest("hex")}`;
    const dest = join(work, "unsigned");
    const pull = await cli([
      "pull",
      ref,
      "--dir",
      dest,
      "--plain-http",
      "--require-signature",
      "--public-key",
      join(KEYS, "signing-key-pub.pem"),
      "--json",
    ]);
    expect(pull.code, pull.stderr).toBe(5);
    expect(JSON.parse(pull.stdout).error.code).toBe("SIGNATURE_NOT_ATTACHED");
    expect(await exists(dest)).toBeUndefined();
    expect((await registry.requests()).filter((l) => l.startsWith(weights))).toEqual([]);
  });

  it("push refuses a signature that no longer matches the folder, naming the changed file", async () => {
    await sign();
    await writeFile(join(model, "config.json"), '{"dim":9}\n');
    const r = await cli([
      "push",
      model,
      `${registry.host}/signed/tiny:stale`,
      "--plain-http",
      "--license-family",
      "none",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(6);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe("SIGNATURE_MISMATCH");
    expect(err.message).toContain("config.json (changed since it was signed)");
  });

  it("provision: a model with signature.publicKey is provisioned with its model.sig; with another key it fails and its dir stays empty", async () => {
    await sign();
    // Its own repository: the same files pushed within the same second as another test's give the same manifest (its
    // created time is the newest file's mtime, in seconds), whose referrers would then hold that test's signature too.
    const ref = `${registry.host}/signed/fleet:v1`;
    await push(ref);
    const other = join(work, "other-pub.pem");
    await writeFile(
      other,
      generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }),
    );
    const manifest = (key: string, dir: string) =>
      `models:\n  - name: ${ref}\n    source: oci\n    plainHttp: true\n    dir: ${join(work, dir)}\n    signature:\n      publicKey: ${key}\n`;
    await writeFile(join(work, "good.yaml"), manifest(join(KEYS, "signing-key-pub.pem"), "good"));
    const good = await cli(["provision", join(work, "good.yaml"), "--json"]);
    expect(good.code, good.stderr + good.stdout).toBe(0);
    expect(await readFile(join(work, "good", "model.sig"))).toEqual(await readFile(join(model, "model.sig")));

    await writeFile(join(work, "bad.yaml"), manifest(other, "bad"));
    const bad = await cli(["provision", join(work, "bad.yaml"), "--json"]);
    expect(bad.code, bad.stderr + bad.stdout).toBe(6);
    expect(bad.stdout).toContain("SIGNATURE_INVALID");
    expect(await exists(join(work, "bad"))).toBeUndefined();

    // The field is for oci models only, and takes exactly one of publicKey / certificateChain.
    await writeFile(
      join(work, "meta.yaml"),
      `models:\n  - name: llama-2-7b\n    source: meta\n    metaUrlEnv: URL\n    signature:\n      publicKey: k.pem\n`,
    );
    const wrongSource = await cli(["provision", join(work, "meta.yaml"), "--dry-run", "--json"]);
    expect(wrongSource.code).toBe(2);
    expect(wrongSource.stdout).toContain("models[0].signature");
  });

  it("a signed Meta model folder whose signature does not cover the release folder's files: refused with the way out; --no-signature pushes without it", async () => {
    const root = join(work, "llama");
    const meta = join(root, "llama-2-7b");
    await mkdir(meta, { recursive: true });
    await writeFile(join(meta, "consolidated.00.pth"), Buffer.alloc(9000, 1));
    await writeFile(join(meta, "params.json"), '{"dim":64}');
    await writeFile(join(root, "tokenizer.model"), "tok");
    await writeFile(join(root, "LICENSE"), "LLAMA 2 COMMUNITY LICENSE AGREEMENT (test copy)\n");
    expect((await cli(["sign", meta, "--private-key", join(KEYS, "signing-key.pem")])).code).toBe(0);
    const ref = `${registry.host}/signed/meta:v1`;
    const refused = await cli(["push", meta, ref, "--plain-http", "--json"]);
    expect(refused.code, refused.stderr).toBe(6);
    const err = JSON.parse(refused.stdout).error;
    expect(err.code).toBe("SIGNATURE_MISMATCH");
    expect(err.message).toContain("tokenizer.model (not signed)");
    expect(err.hint).toContain("copy them into the model folder and sign it again, or push with --no-signature");

    const pushed = await cli(["push", meta, ref, "--plain-http", "--no-signature", "--json"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const summary = JSON.parse(pushed.stdout);
    expect(summary.referrers).toEqual([]);
    expect(summary.files.map((f: { path: string }) => f.path)).not.toContain("model.sig");
  });
});
