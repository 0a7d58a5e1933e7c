/**
 * `llamagate bom` (issue 19 §2): the BOM of a Meta download plus its GGUF validates against the official CycloneDX
 * 1.6 schema (committed as fixtures, checked with ajv) and carries every file's hashes (the MD5 Meta's checklist
 * gave), the license with the recorded acceptance, the GGUF's lineage and the signature; never a signed URL.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { afterAll, beforeAll, expect, it } from "vitest";
import { findModel } from "../../src/catalog/find-model.js";
import { generateMetaRelease } from "../../src/demo/generate-meta-release.js";
import { serveSignedCdn, type SignedCdn } from "../../src/demo/serve-signed-cdn.js";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { torchFixtureFolder } from "../helpers/smoke-fixtures.js";

const FIX = fileURLToPath(new URL("../fixtures/", import.meta.url));
let work: string;
let cdn: SignedCdn;
let url: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-bom-"));
  await generateMetaRelease({ root: join(work, "cdn"), models: [findModel({ name: "llama-2-7b" })] });
  cdn = await serveSignedCdn({ root: join(work, "cdn"), secret: "bom-test", keyPairId: "KBOMTEST" });
  url = cdn.signUrl({ expiresAt: new Date(Date.now() + 3600_000) });
});
afterAll(async () => {
  await cdn?.close();
  await rm(work, { recursive: true, force: true });
});

async function cycloneDx16() {
  const load = async (n: string) => JSON.parse(await readFile(join(FIX, "cyclonedx", n), "utf8"));
  // Formats (iri-reference, date-time, ...) are not checked: ajv-formats is not a dependency.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(await load("spdx.schema.json"));
  ajv.addSchema(await load("jsf-0.82.schema.json"));
  return ajv.compile(await load("bom-1.6.schema.json"));
}

it("a Meta download and its GGUF: schema-valid, hashes, license with the acceptance, lineage, signature", async () => {
  const env = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state"), LLAMAGATE_META_URL: url };
  const dir = join(work, "llama", "llama-2-7b");
  const dl = await runMain(
    ["download", "llama-2-7b", "--dir", join(work, "llama"), "--mau", "1000", "--accept-license"],
    { env },
  );
  expect(dl.code, dl.stderr).toBe(0);
  const conv = await runMain(["convert", dir, "--to", "gguf"], { env });
  expect(conv.code, conv.stderr).toBe(0);
  const gguf = `${dir}-bf16.gguf`;
  const key = join(FIX, "oms", "keys", "certificate", "signing-key.pem");
  expect((await runMain(["sign", dir, "--private-key", key], { env })).code).toBe(0);

  const out = join(work, "bom.json");
  const r = await runCli(["bom", dir, gguf, "--organization", "Acme Robotics GmbH", "-o", out], { env });
  expect(r.code, r.stderr).toBe(0);
  const text = await readFile(out, "utf8");
  const bom = JSON.parse(text);
  const validate = await cycloneDx16();
  expect(validate(bom), JSON.stringify(validate.errors, null, 1)).toBe(true);
  expect(text).not.toMatch(/Signature=|Policy=|Key-Pair-Id/);

  const [meta, model] = bom.components;
  expect(meta).toMatchObject({ type: "machine-learning-model", name: "llama-2-7b" });
  const pth = await readFile(join(dir, "consolidated.00.pth"));
  const shard = meta.components.find((c: { name: string }) => c.name === "consolidated.00.pth");
  expect(shard.hashes).toEqual([
    { alg: "SHA-256", content: createHash("sha256").update(pth).digest("hex") },
    { alg: "MD5", content: createHash("md5").update(pth).digest("hex") },
  ]);
  const lic = meta.licenses[0].license;
  expect(lic.name).toContain("LicenseRef-llama2");
  expect(lic.licensing.licensee.organization.name).toBe("Acme Robotics GmbH");
  const props = Object.fromEntries(lic.properties.map((x: { name: string; value: string }) => [x.name, x.value]));
  expect(props).toMatchObject({
    "llamagate:license:family": "llama2",
    "llamagate:license:text-sha256": createHash("sha256")
      .update(await readFile(join(work, "llama", "LICENSE")))
      .digest("hex"),
    "llamagate:acceptance:mau": "1000",
    "llamagate:acceptance:verdict": "permitted",
    "llamagate:acceptance:via": "flag",
  });
  expect(meta.externalReferences).toContainEqual(expect.objectContaining({ type: "digital-signature" }));

  expect(model.hashes).toEqual([
    {
      alg: "SHA-256",
      content: createHash("sha256")
        .update(await readFile(gguf))
        .digest("hex"),
    },
  ]);
  expect(model.pedigree.ancestors[0].name).toBe("llama-2-7b");
  // From the GGUF's conversion record: every input file with its SHA-256 when converted, and when.
  const ancestor = model.pedigree.ancestors[0];
  expect(ancestor.components).toContainEqual(
    expect.objectContaining({
      type: "file",
      name: "consolidated.00.pth",
      hashes: [{ alg: "SHA-256", content: createHash("sha256").update(pth).digest("hex") }],
    }),
  );
  expect(ancestor.components.map((c: { name: string }) => c.name)).toContain("../tokenizer.model");
  expect(ancestor.properties).toContainEqual({ name: "llamagate:path", value: dir });
  expect(bom.dependencies).toEqual([{ ref: model["bom-ref"], dependsOn: [meta["bom-ref"]] }]);
  expect(model.properties).toContainEqual({ name: "llamagate:gguf:dtype", value: "BF16" });
});

it("provision --bom: one schema-valid BOM of every model a manifest put in place, with its conversion", async () => {
  const env = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state-fleet"), LLAMAGATE_META_URL: url };
  const manifest = join(work, "fleet.yaml");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(
    manifest,
    `license:\n  mau: 1000\n  acceptLicense: true\nmodels:\n  - name: llama-2-7b\n    source: meta\n    metaUrlEnv: LLAMAGATE_META_URL\n    dir: ${join(work, "fleet")}\n    convert: ["gguf:f16"]\n`,
  );
  const out = join(work, "fleet-bom.json");
  const r = await runMain(["provision", manifest, "--bom", out, "--organization", "Acme", "--json"], { env });
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).bom).toEqual({ path: out, models: 2 });
  const bom = JSON.parse(await readFile(out, "utf8"));
  const validate = await cycloneDx16();
  expect(validate(bom), JSON.stringify(validate.errors, null, 1)).toBe(true);
  expect(bom.components.map((c: { name: string }) => c.name)).toEqual(["llama-2-7b", "llama-2-7b-f16.gguf"]);
  expect(bom.dependencies).toHaveLength(1);
  const dry = await runMain(["provision", manifest, "--bom", out, "--dry-run"], { env });
  expect(dry.code).toBe(2);
});

it("a GGUF's passed smoke test is in its BOM component as properties (schema-valid), only while the GGUF is unchanged", async () => {
  const env = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state-smoke") };
  await mkdir(join(work, "smoke"));
  const folder = await torchFixtureFolder(join(work, "smoke"));
  const gguf = `${folder}-bf16.gguf`;
  const conv = await runMain(["convert", folder, "--to", "gguf"], { env });
  expect(conv.code, conv.stderr).toBe(0);
  const smoke = await runMain(
    ["smoke-test", gguf, "--source", folder, "--prompt", "the cat sat on a mat", "--max-tokens", "8"],
    { env },
  );
  expect(smoke.code, smoke.stderr).toBe(0);

  const out = join(work, "smoke-bom.json");
  expect((await runMain(["bom", folder, gguf, "-o", out], { env })).code).toBe(0);
  const bom = JSON.parse(await readFile(out, "utf8"));
  const validate = await cycloneDx16();
  expect(validate(bom), JSON.stringify(validate.errors, null, 1)).toBe(true);
  const props = (c: { properties: { name: string; value: string }[] }) =>
    Object.fromEntries(c.properties.map((x) => [x.name, x.value]));
  const model = props(bom.components[1]);
  expect(model).toMatchObject({
    "llamagate:smoke-test:result": "passed",
    "llamagate:smoke-test:backend": "cpu",
    "llamagate:smoke-test:tokens": "8",
    "llamagate:smoke-test:reference:tokens-match": "true",
  });
  expect(Number(model["llamagate:smoke-test:reference:kl-mean"])).toBeGreaterThanOrEqual(0);
  expect(Object.keys(props(bom.components[0])).some((k) => k.startsWith("llamagate:smoke-test"))).toBe(false);

  // Changed since the test ran (a new mtime): the result no longer speaks for these bytes.
  const later = new Date(Date.now() + 60_000);
  await utimes(gguf, later, later);
  expect((await runMain(["bom", gguf, "-o", out], { env })).code).toBe(0);
  const stale = JSON.parse(await readFile(out, "utf8"));
  expect(Object.keys(props(stale.components[0])).some((k) => k.startsWith("llamagate:smoke-test"))).toBe(false);
}, 300_000);
