import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { parseProvisionManifest } from "../../../src/fleet/parse-provision-manifest.js";
import { PROVISION_SCHEMA } from "../../../src/fleet/provision-schema.js";

it("docs/provision.schema.json is the schema the code validates with", async () => {
  const doc = JSON.parse(await readFile(new URL("../../../docs/provision.schema.json", import.meta.url), "utf8"));
  expect(doc).toEqual(JSON.parse(JSON.stringify(PROVISION_SCHEMA)));
});

it("the example manifest of docs/provision.md is valid, YAML and JSON alike", async () => {
  const md = await readFile(new URL("../../../docs/provision.md", import.meta.url), "utf8");
  const yaml = /```yaml\n([\s\S]*?)```/.exec(md)![1]!;
  const m = await parseProvisionManifest({ text: yaml, name: "provision.md" });
  expect(m.models.map((x) => x.source)).toEqual(["meta", "hf", "oci"]);
  expect(await parseProvisionManifest({ text: JSON.stringify(m), name: "x.json" })).toEqual(m);
});

it.each([
  ["models: [{ name: a, source: ftp }]", "models[0].source: must be one of meta, hf, oci"],
  ['models: [{ name: a/b, source: hf, convert: ["gguf:q4"] }]', 'models[0].convert[0]: must be "hf", "gguf"'],
  ["models: [{ name: r.example/a:1, source: oci }]", "models[0].dir: required field is missing"],
  ["models: []", "models: must NOT have fewer than 1 items"],
  ["license: { mau: 1M }\n", "models: required field is missing"],
  ["models: [{ name: x, source: hf }]\nextra: 1\n", "extra: unknown field"],
])("%s -> %s", async (text, message) => {
  await expect(parseProvisionManifest({ text, name: "m.yaml" })).rejects.toThrow(message);
});

it.each([
  [
    "a YAML error",
    "models:\n  - name: llama-2-7b\n   source: meta\n",
    /^m\.yaml line 3, column \d+: not valid YAML or JSON: .+\.$/,
  ],
  ["tabs", "models:\n\t- name: x\n", /^m\.yaml line 2, column 1: not valid YAML or JSON: Tabs are not allowed/],
  [
    "an unknown meta model",
    "models:\n  - name: llama-2-7b\n    source: meta\n    metaUrlEnv: U\n  - name: llama-9-7b\n    source: meta\n    metaUrlEnv: U\n",
    /^m\.yaml: models\[1\]\.name: Unknown model "llama-9-7b"/,
  ],
  [
    "a bad mau",
    "license: { mau: lots }\nmodels:\n  - name: llama-2-7b\n    source: meta\n    metaUrlEnv: U\n",
    /^m\.yaml: license\.mau: Invalid license\.mau "lots"/,
  ],
  [
    "a bad region",
    "license: { region: UK }\nmodels:\n  - name: llama-2-7b\n    source: meta\n    metaUrlEnv: U\n",
    /^m\.yaml: license\.region: Unknown license\.region "UK"/,
  ],
  [
    "a bad registry reference",
    "models:\n  - name: 127.0.0.1:99999/a/b:1\n    source: oci\n    dir: /tmp/x\n",
    /^m\.yaml: models\[0\]\.name: .*not a number from 1 to 65535/,
  ],
])("%s is reported with its place (line and column, or the field path)", async (_what, text, message) => {
  let err: unknown;
  try {
    await parseProvisionManifest({ text, name: "m.yaml" });
  } catch (e) {
    err = e;
  }
  expect(err).toMatchObject({ code: "BAD_MANIFEST", category: "usage" });
  expect((err as Error).message).toMatch(message);
});
