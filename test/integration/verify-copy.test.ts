/**
 * `llamagate verify DIR` of pulled and unpacked folders, through the CLI (in this process): the copy verifies later
 * against the digests its manifest gave (kept in DIR/.llamagate-copy.json at pull/unpack time); a changed, a missing
 * and an added file are each named with exit 6 and one JSON entry per file; a signed pull's model.sig is not an added
 * file.
 */
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";
import { runMain } from "../helpers/run-main.js";
import { packBundle, unpackBundle, verifyCopy } from "../../src/index.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

const KEYS = fileURLToPath(new URL("../fixtures/oms/keys/certificate/", import.meta.url));
const HAVE = hasProgram("docker-registry");

let work: string;
let model: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-verify-copy-"));
  model = join(work, "tiny-model");
  await mkdir(join(model, "sub"), { recursive: true });
  await writeFile(join(model, "model.safetensors"), randomBytes(70_000));
  await writeFile(join(model, "config.json"), '{"dim":8}\n');
  await writeFile(join(model, "sub", "tokenizer.json"), "{}\n");
  return () => rm(work, { recursive: true, force: true });
});
const env = () => ({ HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") });
// The CLI in this process: no Node start-up per run (what is checked is the output and the files).
const cli = (args: string[]) => runMain(args, { env: env() });

/** Tamper with a verified copy three ways and check each is named, in the human and the JSON output. */
async function expectTamperingNamed(dest: string, kind: string): Promise<void> {
  await appendFile(join(dest, "config.json"), " ");
  await unlink(join(dest, "sub", "tokenizer.json"));
  await writeFile(join(dest, "extra.bin"), "x");
  const bad = await cli(["verify", dest]);
  expect(bad.code).toBe(6);
  expect(bad.stdout).toContain("config.json: CHANGED");
  expect(bad.stdout).toContain("sub/tokenizer.json: MISSING");
  expect(bad.stdout).toContain("extra.bin: ADDED");
  expect(bad.stdout).toContain("model.safetensors: OK");
  const json = JSON.parse((await cli(["verify", dest, "--json"])).stdout);
  expectDocumentedShape(json, "verify (reference)", ["error"]);
  expect(json).toMatchObject({ ok: false, kind, counts: { ok: 1, changed: 1, missing: 1, added: 1 } });
  expect(json.error.code).toBe("VERIFY_FAILED");
  expect(json.files.map((f: { name: string; status: string }) => `${f.name}=${f.status}`)).toEqual([
    "config.json=changed",
    "extra.bin=added",
    "model.safetensors=ok",
    "sub/tokenizer.json=missing",
  ]);
}

it("an unpacked folder verifies against its bundle manifest; changed, missing and added files are named", async () => {
  const bundle = join(work, "b.tar");
  const pack = await cli(["pack", model, "-o", bundle, "--license-family", "none"]);
  expect(pack.code, pack.stderr).toBe(0);
  const dest = join(work, "dest");
  const un = await cli(["unpack", bundle, "--dir", dest]);
  expect(un.code, un.stderr).toBe(0);
  const ok = await cli(["verify", dest, "--json"]);
  expect(ok.code, ok.stderr).toBe(0);
  const json = JSON.parse(ok.stdout);
  expectDocumentedShape(json, "verify (reference)");
  expect(json).toMatchObject({ ok: true, kind: "bundle", reference: { kind: "bundle", bundle } });
  expect(json.files).toHaveLength(3);
  await expectTamperingNamed(dest, "bundle");
});

it("the library's unpackBundle leaves the same copy record as `unpack`: verifyCopy and `verify DIR` check against it", async () => {
  const bundle = join(work, "lib.tar");
  await packBundle({ dir: model, out: bundle, licenseFamily: "none" });
  const dest = join(work, "lib-dest");
  await unpackBundle({ bundle, dir: dest });
  const v = await verifyCopy({ dir: dest });
  expect(v).toMatchObject({ ok: true, source: { kind: "bundle", bundle } });
  expect(v!.files.map((f) => `${f.name}=${f.status}`).sort()).toEqual([
    "config.json=ok",
    "model.safetensors=ok",
    "sub/tokenizer.json=ok",
  ]);
  await expectTamperingNamed(dest, "bundle");
});

describe.skipIf(!HAVE)("pulled folders (real docker-registry)", () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("a pulled folder verifies against the manifest's digests; tampering is named; a signed pull's model.sig is not extra", async () => {
    const sign = await cli(["sign", model, "--private-key", join(KEYS, "signing-key.pem")]);
    expect(sign.code, sign.stderr).toBe(0);
    const ref = `${registry.host}/models/tiny:v1`;
    const push = await cli(["push", model, ref, "--plain-http", "--license-family", "none", "--json"]);
    expect(push.code, push.stderr).toBe(0);
    const digest = JSON.parse(push.stdout).digest;
    const dest = join(work, "pulled");
    const pull = await cli([
      ...["pull", ref, "--dir", dest, "--plain-http", "--require-signature"],
      ...["--public-key", join(KEYS, "signing-key-pub.pem")],
    ]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(await readFile(join(dest, "model.sig"))).toBeTruthy();
    const ok = await cli(["verify", dest, "--json"]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const json = JSON.parse(ok.stdout);
    expectDocumentedShape(json, "verify (reference)");
    expect(json).toMatchObject({ ok: true, kind: "oci-pull", reference: { kind: "oci", ref, digest } });
    expect(json.files.map((f: { name: string }) => f.name)).not.toContain("model.sig");
    const human = await cli(["verify", dest]);
    expect(human.stderr).toContain(`match the manifest of ${ref} (${digest})`);
    await expectTamperingNamed(dest, "oci-pull");
  }, 120_000);
});

it("a copy record edited to name a path outside the folder is refused as damaged (exit 6), nothing outside is read", async () => {
  const bundle = join(work, "b.tar");
  expect((await cli(["pack", model, "-o", bundle, "--license-family", "none"])).code).toBe(0);
  const dest = join(work, "dest");
  expect((await cli(["unpack", bundle, "--dir", dest])).code).toBe(0);
  const recordPath = join(dest, ".llamagate-copy.json");
  const record = JSON.parse(await readFile(recordPath, "utf8"));
  record.files[0].path = "../outside.bin";
  await writeFile(recordPath, JSON.stringify(record));
  const r = await cli(["verify", dest, "--json"]);
  expect(r.code).toBe(6);
  expect(JSON.parse(r.stdout).error).toMatchObject({ code: "COPY_RECORD_MALFORMED" });
});
