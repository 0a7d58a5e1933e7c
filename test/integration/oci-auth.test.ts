/**
 * Registry auth against a real docker-registry with htpasswd (bcrypt) Basic auth: no credentials -> exit 4
 * with a message naming the variables; credentials from the environment or from Docker's config.json
 * `auths` work; the password never appears in any output.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";

const HAVE = hasProgram("docker-registry") && hasProgram("htpasswd");
if (!HAVE)
  console.warn(
    "note: docker-registry or htpasswd not installed (apt-get install -y docker-registry apache2-utils): OCI auth tests skipped.",
  );
const USER = "fleet";
const PASSWORD = "s3cret-Passw0rd-xyz";

let registry: LocalRegistry;
let work: string;

beforeAll(async () => {
  if (!HAVE) return;
  registry = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
  work = await mkdtemp(join(tmpdir(), "llamagate-oci-auth-"));
});
afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(!HAVE)("OCI registry auth (htpasswd)", () => {
  it("refuses without credentials, pushes with env credentials, pulls with Docker config.json credentials; the password is never printed", async () => {
    const model = join(work, "tiny-gguf");
    await mkdir(model, { recursive: true });
    const weights = randomBytes(200_000);
    await writeFile(join(model, "model.gguf"), weights);
    const ref = `${registry.host}/models/tiny:1`;
    const base = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), DOCKER_CONFIG: join(work, "docker") };

    const anon = await runCli(["push", model, ref, "--license-family", "none", "--plain-http"], { env: base });
    expect(anon.code, anon.stderr).toBe(4);
    expect(anon.stderr).toMatch(/LLAMAGATE_REGISTRY_USERNAME/);

    const wrong = await runMain(["push", model, ref, "--license-family", "none", "--plain-http"], {
      env: { ...base, LLAMAGATE_REGISTRY_USERNAME: USER, LLAMAGATE_REGISTRY_PASSWORD: "nope-wrong-pw" },
    });
    expect(wrong.code, wrong.stderr).toBe(4);
    expect(wrong.stderr + wrong.stdout).not.toContain("nope-wrong-pw");

    const push = await runMain(["push", model, ref, "--license-family", "none", "--plain-http", "--json"], {
      env: { ...base, LLAMAGATE_REGISTRY_USERNAME: USER, LLAMAGATE_REGISTRY_PASSWORD: PASSWORD },
    });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout + push.stderr).not.toContain(PASSWORD);
    expect(push.stdout + push.stderr).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString("base64"));

    await mkdir(join(work, "docker"), { recursive: true });
    await writeFile(
      join(work, "docker", "config.json"),
      JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } } }),
    );
    const dest = join(work, "pulled");
    const pull = await runMain(["pull", ref, "--dir", dest, "--plain-http", "--json"], { env: base });
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout + pull.stderr).not.toContain(PASSWORD);
    expect(JSON.parse(pull.stdout).license).toBe(null); // not a Llama model llamagate knows: no license check applies
    expect(
      createHash("sha256")
        .update(await readFile(join(dest, "model.gguf")))
        .digest("hex"),
    ).toBe(createHash("sha256").update(weights).digest("hex"));
    // No state file or sidecar holds the password.
    for (const f of [join(dest, ".model.gguf.llamagate.json")])
      expect(await readFile(f, "utf8")).not.toContain(PASSWORD);
  }, 180_000);

  it("push at the default concurrency (3 parallel uploads, all starting anonymous) authenticates once per upload without a false refusal", async () => {
    const model = join(work, "four-files");
    await mkdir(model, { recursive: true });
    for (const f of ["a.gguf", "b.gguf", "c.gguf", "d.gguf"]) await writeFile(join(model, f), randomBytes(100_000));
    const env = {
      HOME: work,
      LLAMAGATE_DATA_DIR: join(work, "state-race"),
      DOCKER_CONFIG: join(work, "docker-race"),
      LLAMAGATE_REGISTRY_USERNAME: USER,
      LLAMAGATE_REGISTRY_PASSWORD: PASSWORD,
    };
    const push = await runMain(
      ["push", model, `${registry.host}/models/race:1`, "--license-family", "none", "--plain-http", "--json"],
      { env },
    );
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout).files).toHaveLength(4);
  }, 120_000);
});
