/**
 * A model travels whole (issue 16 §1): a Meta download pushed (and separately packed) from the model subfolder the
 * README names carries the release root's tokenizer, checklist, LICENSE and USE_POLICY; on a clean data folder it is
 * pulled (unpacked) with the license gate applied and goes straight through verify, convert and smoke-test.
 * The real docker-registry is the registry (the push half skips with a note without it).
 */
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../../src/catalog/find-model.js";
import { generateMetaRelease } from "../../src/demo/generate-meta-release.js";
import { serveSignedCdn, type SignedCdn } from "../../src/demo/serve-signed-cdn.js";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";
import { runMain } from "../helpers/run-main.js";
import { expectSameBytes } from "../helpers/expect-same-bytes.js";

const HAVE_REGISTRY = hasProgram("docker-registry");
const SHARED = ["LICENSE", "USE_POLICY.md", "tokenizer.model", "tokenizer_checklist.chk"];

let work: string;
let cdn: SignedCdn;
let modelDir: string;
const sourceEnv = () => ({ HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") });
/** Another machine: a data folder with no acceptance recorded. */
const cleanEnv = (name: string) => ({
  HOME: join(work, name),
  LLAMAGATE_DATA_DIR: join(work, name, "state"),
  DOCKER_CONFIG: join(work, name, "docker"),
});

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-unit-"));
  await generateMetaRelease({ root: join(work, "cdn"), models: [findModel({ name: "llama-2-7b" })] });
  cdn = await serveSignedCdn({ root: join(work, "cdn"), secret: "unit-test-secret", keyPairId: "KUNITTEST" });
  const url = cdn.signUrl({ expiresAt: new Date(Date.now() + 3600_000) });
  const dl = await runMain(
    ["download", "llama-2-7b", "--dir", join(work, "llama"), "--mau", "1000", "--accept-license", "--json"],
    { env: { ...sourceEnv(), LLAMAGATE_META_URL: url } },
  );
  expect(dl.code, dl.stderr).toBe(0);
  modelDir = join(work, "llama", "llama-2-7b");
  // The README's layout: the model subfolder holds no tokenizer or LICENSE of its own.
  expect((await readdir(modelDir)).filter((n) => !n.startsWith(".")).sort()).toEqual([
    "checklist.chk",
    "consolidated.00.pth",
    "params.json",
  ]);
});
afterAll(async () => {
  await cdn?.close();
  await rm(work, { recursive: true, force: true });
});

/** verify, convert to GGUF and smoke-test a received copy, as the receiving machine would. */
async function usable(dir: string, env: Record<string, string>) {
  for (const f of SHARED) expectSameBytes(await readFile(join(dir, f)), await readFile(join(work, "llama", f)), f);
  const verify = await runMain(["verify", dir, "--json"], { env });
  expect(verify.code, verify.stderr).toBe(0);
  // A pulled or unpacked folder is checked against the copy record: every file's sha256 from the manifest.
  expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, counts: { changed: 0, missing: 0, added: 0 } });
  const gguf = join(work, `${dir.split("/").at(-2)}.gguf`);
  const convert = await runMain(["convert", dir, "--to", "gguf", "--out", gguf], { env });
  expect(convert.code, convert.stderr).toBe(0);
  const smoke = await runMain(["smoke-test", gguf, "--max-tokens", "2", "--device", "cpu"], { env });
  expect(smoke.code, smoke.stderr).toBe(0);
}

describe.skipIf(!HAVE_REGISTRY)("push / pull of a Meta download (real docker-registry)", () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("takes the release root's files along, gates the pull, and the pulled copy converts and runs", async () => {
    const ref = `${registry.host}/llama/llama-2-7b:v1`;
    const push = await runMain(["push", modelDir, ref, "--plain-http", "--json"], { env: sourceEnv() });
    expect(push.code, push.stderr).toBe(0);
    const pushed = JSON.parse(push.stdout);
    expect(pushed.licenseFamily).toBe("llama2");
    expect(pushed.files.map((f: { path: string }) => f.path).sort()).toEqual(
      [...SHARED, "checklist.chk", "consolidated.00.pth", "params.json"].sort(),
    );

    const env = cleanEnv("machine-b");
    const dest = join(work, "pulled", "llama-2-7b");
    const blocked = await runMain(["pull", ref, "--dir", dest, "--plain-http", "--mau", "800M", "--accept-license"], {
      env,
    });
    expect(blocked.code, blocked.stderr).toBe(3);
    const pull = await runMain(["pull", ref, "--dir", dest, "--plain-http", "--mau", "1000", "--accept-license"], {
      env,
    });
    expect(pull.code, pull.stderr).toBe(0);
    await usable(dest, env);
  });
});

it("pack of the model subfolder carries the release root's files; the unpacked copy converts and runs", async () => {
  const bundle = join(work, "llama-2-7b.tar");
  const pack = await runMain(["pack", modelDir, "-o", bundle, "--json"], { env: sourceEnv() });
  expect(pack.code, pack.stderr).toBe(0);
  const packed = JSON.parse(pack.stdout);
  expect(packed).toMatchObject({ licenseFamily: "llama2", fromReleaseRoot: SHARED.slice().sort() });
  const env = cleanEnv("machine-c");
  const dest = join(work, "unpacked", "llama-2-7b");
  const un = await runMain(["unpack", bundle, "--dir", dest, "--mau", "1000", "--accept-license"], { env });
  expect(un.code, un.stderr).toBe(0);
  await usable(dest, env);
});

it("a folder whose license cannot be told is refused unless --license-family names it; a Llama LICENSE text tells", async () => {
  const dir = join(work, "my-finetune");
  await rm(dir, { recursive: true, force: true });
  const { mkdir } = await import("node:fs/promises");
  await mkdir(dir);
  await writeFile(join(dir, "model.safetensors"), Buffer.alloc(1024, 1));
  const out = join(work, "ft.tar");
  const refused = await runMain(["pack", dir, "-o", out], { env: sourceEnv() });
  expect(refused.code, refused.stderr).toBe(2);
  expect(refused.stderr).toContain("--license-family");
  const none = await runMain(["pack", dir, "-o", out, "--license-family", "none", "--json"], { env: sourceEnv() });
  expect(none.code, none.stderr).toBe(0);
  expect(JSON.parse(none.stdout).licenseFamily).toBeNull();

  // A Llama 3.1 LICENSE (its real first lines) names the family, and the gate then needs that acceptance.
  await writeFile(
    join(dir, "LICENSE"),
    "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024\n",
  );
  const gated = await runMain(["pack", dir, "-o", join(work, "ft2.tar")], { env: sourceEnv() });
  expect(gated.code, gated.stderr).toBe(3);
  expect(gated.stderr).toContain("llama3.1");
  const contradict = await runMain(["pack", dir, "-o", join(work, "ft3.tar"), "--license-family", "none"], {
    env: sourceEnv(),
  });
  expect(contradict.code).toBe(2);
  expect(contradict.stderr).toContain("contradicts");
});

it("pack refuses a file linked from outside the model folder, naming it", async () => {
  const dir = join(work, "linked", "llama-2-7b");
  const { mkdir, cp } = await import("node:fs/promises");
  await mkdir(dir, { recursive: true });
  await cp(modelDir, dir, { recursive: true });
  await writeFile(join(work, "private.key"), "secret", { mode: 0o600 });
  await symlink(join(work, "private.key"), join(dir, "notes.txt"));
  const r = await runMain(["pack", dir, "-o", join(work, "linked.tar")], { env: sourceEnv() });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain("notes.txt");
  expect(r.stderr).not.toContain("secret");
});
