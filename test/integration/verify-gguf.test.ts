/**
 * `llamagate verify FILE.gguf` through the CLI (in this process; one run spawns the built CLI): a conversion records
 * its inputs beside the GGUF; verify re-hashes the GGUF against the hash it had when written and the source files
 * against theirs, naming each changed or missing one (exit 6); with the source folder gone only the GGUF is checked;
 * a GGUF without a record is exit 5.
 */
import {
  appendFile,
  cp,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { buildTinyTokenizerModel } from "../helpers/tiny-llama-tokenizer.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/torch/tiny-llama-mp2", import.meta.url));

/** The CLI in this process (no Node start-up per run); one human run below spawns the built CLI. */
const cli = (args: string[]) => runMain(args, { env: { LLAMAGATE_DATA_DIR: process.env.LLAMAGATE_DATA_DIR! } });

let work: string;
let metaDir: string;
let gguf: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-verify-gguf-"));
  metaDir = join(work, "tiny-llama-mp2");
  await cp(FIXTURE, metaDir, { recursive: true });
  await writeFile(join(metaDir, "tokenizer.model"), buildTinyTokenizerModel(64));
  gguf = `${metaDir}-f32.gguf`;
  const r = await cli(["convert", metaDir, "--to", "gguf", "--dtype", "f32"]);
  expect(r.code, r.stderr).toBe(0);
  return () => rm(work, { recursive: true, force: true });
});

const sourceNames = async () => (await readdir(metaDir)).map((n) => `source/${n}`).sort();

it("a converted GGUF verifies against its recorded hash and its source files'", async () => {
  const r = await cli(["verify", gguf, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout);
  expectDocumentedShape(json, "verify (reference)");
  expect(json).toMatchObject({
    ok: true,
    kind: "gguf",
    reference: { dtype: "F32", source: { kind: "meta", dir: metaDir, present: true } },
  });
  expect(json.files.map((f: { name: string }) => f.name)).toEqual([
    "tiny-llama-mp2-f32.gguf",
    ...(await sourceNames()),
  ]);
  const human = await runCli(["verify", gguf]);
  expect(human.code).toBe(0);
  expect(human.stdout).toContain("tiny-llama-mp2-f32.gguf: OK");
  expect(human.stdout).toContain("source/params.json: OK");
});

it("a changed GGUF, a changed and a missing source file are each named (exit 6)", async () => {
  const fh = await open(gguf, "r+");
  await fh.write(Buffer.from([0x55]), 0, 1, 4000);
  await fh.close();
  await writeFile(join(metaDir, "params.json"), (await readFile(join(metaDir, "params.json"), "utf8")) + " ");
  await unlink(join(metaDir, "tokenizer.model"));
  const r = await cli(["verify", gguf]);
  expect(r.code).toBe(6);
  expect(r.stdout).toContain("tiny-llama-mp2-f32.gguf: CHANGED");
  expect(r.stdout).toContain("source/params.json: CHANGED");
  expect(r.stdout).toContain("source/tokenizer.model: MISSING");
  expect(r.stdout).toContain("source/consolidated.00.pth: OK");
  const json = JSON.parse((await cli(["verify", gguf, "--json"])).stdout);
  expectDocumentedShape(json, "verify (reference)", ["error"]);
  expect(json.counts).toMatchObject({ changed: 2, missing: 1, added: 0 });
  expect(json.error.code).toBe("VERIFY_FAILED");
});

it("with the source folder gone only the GGUF is checked; a GGUF with no record is exit 5", async () => {
  await rename(metaDir, join(work, "elsewhere"));
  const r = await cli(["verify", gguf, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout);
  expect(json.reference.source.present).toBe(false);
  expect(json.files).toHaveLength(1);

  const copy = join(work, "copy.gguf");
  await cp(gguf, copy);
  const none = await cli(["verify", copy, "--json"]);
  expect(none.code).toBe(5);
  expect(JSON.parse(none.stdout).error).toMatchObject({ code: "GGUF_LINEAGE_NOT_FOUND" });
});

it("a conversion record edited to name a source path elsewhere is refused as damaged (exit 6)", async () => {
  const recordPath = join(work, ".tiny-llama-mp2-f32.gguf.conversion.llamagate.json");
  const record = JSON.parse(await readFile(recordPath, "utf8"));
  record.source.files[0].path = "../../etc/passwd";
  await writeFile(recordPath, JSON.stringify(record));
  const r = await cli(["verify", gguf, "--json"]);
  expect(r.code).toBe(6);
  expect(JSON.parse(r.stdout).error).toMatchObject({ code: "GGUF_LINEAGE_MALFORMED" });
});

it("a GGUF converted from a Hub cache snapshot (files linked into blobs/) verifies, its sources through the links", async () => {
  const repo = join(work, "hub", "models--acme--Tiny-Llama");
  const snap = join(repo, "snapshots", "0123abc");
  const hf = await cli(["convert", metaDir, "--to", "hf", "--dtype", "f32", "--out", join(work, "hf-out")]);
  expect(hf.code, hf.stderr).toBe(0);
  await mkdir(join(repo, "blobs"), { recursive: true });
  await mkdir(snap, { recursive: true });
  for (const name of await readdir(join(work, "hf-out"))) {
    await rename(join(work, "hf-out", name), join(repo, "blobs", name));
    await symlink(join("..", "..", "blobs", name), join(snap, name));
  }
  const out = join(work, "snap-f32.gguf");
  const conv = await cli(["convert", snap, "--to", "gguf", "--out", out]);
  expect(conv.code, conv.stderr).toBe(0);
  const ok = await cli(["verify", out, "--json"]);
  expect(ok.code, ok.stdout + ok.stderr).toBe(0);
  const json = JSON.parse(ok.stdout);
  expect(json.reference.source).toMatchObject({ kind: "hf", dir: snap, present: true });
  expect(json.files.map((f: { name: string }) => f.name)).toContain("source/config.json");
  await appendFile(join(repo, "blobs", "config.json"), " ");
  const bad = await cli(["verify", out]);
  expect(bad.code).toBe(6);
  expect(bad.stdout).toContain("source/config.json: CHANGED");
});
