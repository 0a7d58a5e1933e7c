import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMetaSource } from "../../src/model/open-meta-source.js";
import { openHfSource } from "../../src/model/open-hf-source.js";
import { loadGgufReference } from "../../src/infer/load-gguf-reference.js";
import { loadSourceReference } from "../../src/infer/load-source-reference.js";
import { runCli } from "../helpers/run-cli.js";
import { compareModels } from "../helpers/tiny-llama-compare.js";
import { buildTinyTokenizerModel } from "../helpers/tiny-llama-tokenizer.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

const ROOT = join(__dirname, "../..");
const FIXTURE = join(ROOT, "test/fixtures/torch/tiny-llama-mp2");

const cli = async (args: string[]) => {
  const r = await runCli(args);
  return { ...r, code: r.code ?? -1 };
};

describe("llamagate convert (built CLI) on the torch.save fixture", () => {
  let work: string;
  let metaDir: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-cli-conv-"));
    metaDir = join(work, "tiny-llama-mp2");
    await cp(FIXTURE, metaDir, { recursive: true });
    await writeFile(join(metaDir, "tokenizer.model"), buildTinyTokenizerModel(64));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it("--to gguf --dtype f32 --json: one JSON object, a GGUF whose logits match the Meta weights", async () => {
    const r = await cli(["convert", metaDir, "--to", "gguf", "--dtype", "f32", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      ok: true,
      source: "meta",
      target: "gguf",
      dtype: "F32",
      output: `${metaDir}-f32.gguf`,
      files: [`${metaDir}-f32.gguf`],
      tensors: 21,
    });
    expect(out.bytes).toBeGreaterThan(115328);
    expect(typeof out.seconds).toBe("number");
    expect(r.stderr).toContain("Converting Meta checkpoint (2 shards)");
    const src = await openMetaSource({ dir: metaDir });
    const meta = await loadSourceReference({ source: src });
    await src.close();
    const cmp = compareModels(meta, await loadGgufReference({ path: out.output }), [1, 4, 9, 16], 8);
    expect(cmp.tokensB).toEqual(cmp.tokensA);
    expect(cmp.worst).toBeLessThan(1e-4);
  });

  it("--to hf writes a snapshot; a second run refuses to overwrite (exit 2, names --force); --force replaces", async () => {
    const first = await cli(["convert", metaDir, "--to", "hf"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Converted .* → .*tiny-llama-mp2-hf: 21 tensors, BF16/);
    expect((await readdir(`${metaDir}-hf`)).sort()).toEqual([
      "config.json",
      "generation_config.json",
      "model.safetensors",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer.model",
      "tokenizer_config.json",
    ]);
    const again = await cli(["convert", metaDir, "--to", "hf", "--json"]);
    expect(again.code).toBe(2);
    const err = JSON.parse(again.stdout);
    expect(err).toMatchObject({ ok: false, error: { code: "OUTPUT_EXISTS", category: "usage" } });
    expect(err.error.hint).toContain("--force");
    const forced = await cli(["convert", metaDir, "--to", "hf", "--force", "--dtype", "f32"]);
    expect(forced.code, forced.stderr).toBe(0);
    const s = await openHfSource({ dir: `${metaDir}-hf` });
    expect(s.tensors[0]!.dtype).toBe("F32");
    await s.close();
  });

  it("issue 22 item 13: a second convert of the same output stops at once on its lock (exit 8) and says no 'wrote'", async () => {
    const out = join(work, "locked.gguf");
    // A live llamagate run holds this output's lock (this test process stands in for it).
    const lock = join(work, ".locked.gguf.llamagate.lock");
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
    try {
      const r = await cli(["convert", metaDir, "--to", "gguf", "--out", out, "--json"]);
      expect(r.code, r.stderr).toBe(8);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: "LOCK_HELD" });
      expect(r.stderr).not.toContain("Converting");
      expect(r.stderr).not.toContain("wrote");
      expect((await readdir(work)).filter((n) => n.includes("locked.gguf") && !n.endsWith(".lock"))).toEqual([]);
    } finally {
      await rm(lock, { force: true });
    }
    const ok = await cli(["convert", metaDir, "--to", "gguf", "--out", out]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`wrote ${out}`);
    expect((await readdir(work)).filter((n) => n.includes("locked.gguf")).sort()).toEqual([
      ".locked.gguf.conversion.llamagate.json",
      "locked.gguf",
    ]);
  });

  it("exit codes: missing --to → 2, missing params.json → 9, unwritable output → 8", async () => {
    expect((await cli(["convert", metaDir])).code).toBe(2);
    expect((await cli(["convert", metaDir, "--to", "gguf", "--dtype", "q4"])).code).toBe(2);
    const noParams = join(work, "no-params");
    await cp(FIXTURE, noParams, { recursive: true });
    await rm(join(noParams, "params.json"));
    const r9 = await cli(["convert", noParams, "--to", "hf", "--json"]);
    expect(r9.code).toBe(9);
    expect(JSON.parse(r9.stdout).error).toMatchObject({ code: "MISSING_PARAMS", category: "conversion" });
    await writeFile(join(work, "plain-file"), "x");
    const r8 = await cli(["convert", metaDir, "--to", "gguf", "--out", join(work, "plain-file", "m.gguf")]);
    expect(r8.code).toBe(8);
    expect(r8.stderr).toMatch(/error: .*plain-file is not a folder/);
    expect((await readdir(work)).filter((n) => n.includes(".partial-"))).toEqual([]);
  });

  it("a tokenizer error raised while writing HF tokenizer files keeps its code and exit 9", async () => {
    const dir = join(work, "big-tokenizer");
    await cp(FIXTURE, dir, { recursive: true });
    await writeFile(join(dir, "tokenizer.model"), buildTinyTokenizerModel(65)); // the embedding has 64 rows
    const r = await cli(["convert", dir, "--to", "hf", "--json"]);
    expect(r.code).toBe(9);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "VOCAB_MISMATCH", category: "conversion" });
    expect((await readdir(work)).filter((n) => n.startsWith("big-tokenizer-") || n.includes(".partial-"))).toEqual([]);
  });

  it("a Hugging Face cache snapshot converts to <repo-name>-<dtype>.gguf in the current folder; --dtype in any case", async () => {
    const snapshot = join(work, "hub", "models--acme--Tiny-Llama", "snapshots", "0123abc");
    const toHf = await cli(["convert", metaDir, "--to", "hf", "--dtype", "f32", "--out", snapshot]);
    expect(toHf.code, toHf.stderr).toBe(0);
    const before = await readdir(snapshot);
    const cwd = join(work, "here");
    await mkdir(cwd);
    const r = await runCli(["convert", snapshot, "--to", "GGUF", "--dtype", "F16", "--json"], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      ok: true,
      dtype: "F16",
      output: join(cwd, "Tiny-Llama-f16.gguf"),
      files: [join(cwd, "Tiny-Llama-f16.gguf")],
    });
    expect(out).not.toHaveProperty("outputs");
    expectDocumentedShape(out, "convert");
    expect(String(out.seconds)).toMatch(/^\d+(\.\d{1,3})?$/);
    // The GGUF and its conversion record (what `verify FILE.gguf` checks against).
    expect((await readdir(cwd)).sort()).toEqual([
      ".Tiny-Llama-f16.gguf.conversion.llamagate.json",
      "Tiny-Llama-f16.gguf",
    ]);
    expect(await readdir(snapshot)).toEqual(before);
  });
});
