/**
 * `llamagate verify <path> --bom FILE` through the CLI (in this process): a BOM's file hashes are the reference for
 * any copy of the folder (changed, missing, added files named, exit 6) and its SHA-256 for a GGUF; a BOM of several
 * models picks the component made from the path, else needs --bom-component.
 */
import { appendFile, cp, mkdir, mkdtemp, open, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, expect, it } from "vitest";
import { runMain } from "../helpers/run-main.js";
import { buildTinyTokenizerModel } from "../helpers/tiny-llama-tokenizer.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/torch/tiny-llama-mp2", import.meta.url));

let work: string;
let metaDir: string;
let gguf: string;
let bom: string;
const env = () => ({ HOME: work, LLAMAGATE_DATA_DIR: join(work, "state") });
// The CLI in this process: no Node start-up per run (what is checked is the output and the files).
const cli = (args: string[]) => runMain(args, { env: env() });
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-verify-bom-"));
  metaDir = join(work, "tiny-llama-mp2");
  await cp(FIXTURE, metaDir, { recursive: true });
  await writeFile(join(metaDir, "tokenizer.model"), buildTinyTokenizerModel(64));
  gguf = `${metaDir}-f32.gguf`;
  expect((await cli(["convert", metaDir, "--to", "gguf", "--dtype", "f32"])).code).toBe(0);
  bom = join(work, "bom.json");
  const made = await cli(["bom", metaDir, gguf, "-o", bom]);
  expect(made.code, made.stderr).toBe(0);
  return () => rm(work, { recursive: true, force: true });
});

it("the folder and the GGUF verify against the BOM; changed, missing and added files are named", async () => {
  const ok = await cli(["verify", metaDir, "--bom", bom, "--json"]);
  expect(ok.code, ok.stderr).toBe(0);
  const json = JSON.parse(ok.stdout);
  expectDocumentedShape(json, "verify (reference)");
  expect(json).toMatchObject({ ok: true, kind: "bom", reference: { bom, component: "tiny-llama-mp2" } });
  expect(json.files).toHaveLength(4);
  expect((await cli(["verify", gguf, "--bom", bom])).code).toBe(0);

  await appendFile(join(metaDir, "params.json"), " ");
  await unlink(join(metaDir, "consolidated.01.pth"));
  await writeFile(join(metaDir, "notes.txt"), "x");
  const bad = await cli(["verify", metaDir, "--bom", bom]);
  expect(bad.code).toBe(6);
  expect(bad.stdout).toContain("params.json: CHANGED");
  expect(bad.stdout).toContain("consolidated.01.pth: MISSING");
  expect(bad.stdout).toContain("notes.txt: ADDED");
  expect(bad.stdout).toContain("consolidated.00.pth: OK");
  const badJson = JSON.parse((await cli(["verify", metaDir, "--bom", bom, "--json"])).stdout);
  expectDocumentedShape(badJson, "verify (reference)", ["error"]);
  expect(badJson.counts).toEqual({ ok: 2, changed: 1, missing: 1, added: 1 });

  const fh = await open(gguf, "r+");
  await fh.write(Buffer.from([0x42]), 0, 1, 5000);
  await fh.close();
  const g = await cli(["verify", gguf, "--bom", bom]);
  expect(g.code).toBe(6);
  expect(g.stdout).toContain("tiny-llama-mp2-f32.gguf: CHANGED");
});

it("a copy under another name needs --bom-component when the BOM lists several models; a bad BOM is exit 2", async () => {
  const copy = join(work, "copied");
  await cp(metaDir, copy, { recursive: true });
  const which = await cli(["verify", copy, "--bom", bom, "--json"]);
  expect(which.code).toBe(2);
  expect(JSON.parse(which.stdout).error).toMatchObject({
    code: "BOM_COMPONENT_NOT_FOUND",
    message: expect.stringContaining("tiny-llama-mp2"),
  });
  const picked = await cli(["verify", copy, "--bom", bom, "--bom-component", "tiny-llama-mp2"]);
  expect(picked.code, picked.stderr).toBe(0);

  await writeFile(join(work, "not-a-bom.json"), '{"hello":1}');
  const notBom = await cli(["verify", copy, "--bom", join(work, "not-a-bom.json"), "--json"]);
  expect(notBom.code).toBe(2);
  expect(JSON.parse(notBom.stdout).error.code).toBe("BOM_UNREADABLE");
});

it("a Hub cache snapshot (files linked into blobs/): its BOM is made and the snapshot verifies against it", async () => {
  const repo = join(work, "hub", "models--acme--tiny");
  const snap = join(repo, "snapshots", "0123abcd");
  await mkdir(join(repo, "blobs"), { recursive: true });
  await mkdir(snap, { recursive: true });
  for (const [name, text] of [
    ["config.json", '{"dim":8}'],
    ["model.safetensors", "weights"],
  ] as const) {
    await writeFile(join(repo, "blobs", name + ".blob"), text);
    await symlink(join("..", "..", "blobs", name + ".blob"), join(snap, name));
  }
  const out = join(work, "hub-bom.json");
  const made = await cli(["bom", snap, "-o", out]);
  expect(made.code, made.stderr).toBe(0);
  const ok = await cli(["verify", snap, "--bom", out, "--json"]);
  expect(ok.code, ok.stdout + ok.stderr).toBe(0);
  expect(JSON.parse(ok.stdout).files.map((f: { name: string }) => f.name)).toEqual([
    "config.json",
    "model.safetensors",
  ]);
  await appendFile(join(repo, "blobs", "model.safetensors.blob"), "!");
  const bad = await cli(["verify", snap, "--bom", out]);
  expect(bad.code).toBe(6);
  expect(bad.stdout).toContain("model.safetensors: CHANGED");
});
