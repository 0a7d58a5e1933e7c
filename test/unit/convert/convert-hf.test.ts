import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../../src/convert/convert-checkpoint.js";
import { openHfSource } from "../../../src/model/open-hf-source.js";
import { openMetaSource } from "../../../src/model/open-meta-source.js";
import { loadSourceReference } from "../../../src/infer/load-source-reference.js";
import type { ReferenceModel } from "../../../src/infer/types.js";
import { compareModels } from "../../helpers/tiny-llama-compare.js";

const FIXTURE = join(__dirname, "../../fixtures/torch/tiny-llama-mp2");

async function load(kind: "meta" | "hf", dir: string): Promise<ReferenceModel> {
  const source = kind === "meta" ? await openMetaSource({ dir }) : await openHfSource({ dir });
  try {
    return await loadSourceReference({ source });
  } finally {
    await source.close();
  }
}

describe("Meta → HF on the torch.save fixture (bf16, 2 shards, GQA)", () => {
  let work: string;
  let metaDir: string;
  let meta: ReferenceModel;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-conv-hf-"));
    metaDir = join(work, "tiny-llama-mp2");
    await cp(FIXTURE, metaDir, { recursive: true });
    meta = await load("meta", metaDir);
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it("writes safetensors + config whose logits match the Meta weights", async () => {
    const result = await convertCheckpoint({ input: metaDir, to: "hf" });
    expect(result.output).toBe(`${metaDir}-hf`);
    expect(result.dtype).toBe("BF16");
    const names = (await readdir(result.output)).sort();
    expect(names).toEqual(["config.json", "generation_config.json", "model.safetensors"]);
    const config = JSON.parse(await readFile(join(result.output, "config.json"), "utf8"));
    expect(config).toMatchObject({
      hidden_size: 32,
      intermediate_size: 96,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      num_hidden_layers: 2,
      vocab_size: 64,
      max_position_embeddings: 4096,
      rope_theta: 10000,
      rms_norm_eps: 1e-5,
      torch_dtype: "bfloat16",
    });
    const hf = await load("hf", result.output);
    expect(hf.ropeLayout).toBe("half-split");
    const cmp = compareModels(meta, hf, [1, 5, 9, 20, 33], 10);
    expect(cmp.tokensB).toEqual(cmp.tokensA);
    expect(cmp.worst).toBeLessThan(1e-4);
    // the q/k permutation really happened: HF q rows differ from Meta's
    expect(Array.from(hf.weights.layers[0]!.wq.data.subarray(32, 64))).not.toEqual(
      Array.from(meta.weights.layers[0]!.wq.data.subarray(32, 64)),
    );
  });

  it("shards the output with an index when asked for small shards, and writes f32 on request", async () => {
    const out = join(work, "sharded");
    const result = await convertCheckpoint({ input: metaDir, to: "hf", dtype: "F32", out, maxShardBytes: 20_000 });
    expect(result.dtype).toBe("F32");
    const names = (await readdir(out)).filter((n) => n.endsWith(".safetensors")).sort();
    expect(names.length).toBeGreaterThan(1);
    expect(names[0]).toBe(`model-00001-of-${String(names.length).padStart(5, "0")}.safetensors`);
    const index = JSON.parse(await readFile(join(out, "model.safetensors.index.json"), "utf8"));
    expect(Object.keys(index.weight_map)).toHaveLength(21);
    expect(index.weight_map["model.layers.1.self_attn.k_proj.weight"]).toMatch(/^model-\d{5}-of-\d{5}\.safetensors$/);
    // 28832 parameters (embed + output 2·64·32, norm 32, 2 layers of 12352) × 4 bytes
    expect(index.metadata.total_size).toBe(115328);
    expect(result.tensors).toBe(21);
    const hf = await load("hf", out);
    const cmp = compareModels(meta, hf, [1, 2, 3], 6);
    expect(cmp.tokensB).toEqual(cmp.tokensA);
    expect(cmp.worst).toBeLessThan(1e-4);
  });

  it("refuses to overwrite without --force, and replaces with it", async () => {
    const out = join(work, "exists");
    await convertCheckpoint({ input: metaDir, to: "hf", out, dtype: "F32" });
    await expect(convertCheckpoint({ input: metaDir, to: "hf", out })).rejects.toMatchObject({
      category: "usage",
      code: "OUTPUT_EXISTS",
      hint: expect.stringContaining("--force"),
    });
    expect(JSON.parse(await readFile(join(out, "config.json"), "utf8")).torch_dtype).toBe("float32");
    await convertCheckpoint({ input: metaDir, to: "hf", out, force: true });
    expect(JSON.parse(await readFile(join(out, "config.json"), "utf8")).torch_dtype).toBe("bfloat16");
    // --force never replaces a file with a folder, nor a folder that is not a snapshot
    const file = join(work, "a-plain-file");
    await writeFile(file, "keep me");
    await expect(convertCheckpoint({ input: metaDir, to: "hf", out: file, force: true })).rejects.toMatchObject({
      code: "OUTPUT_KIND",
    });
    expect(await readFile(file, "utf8")).toBe("keep me");
    const folder = join(work, "my-documents");
    await mkdir(folder);
    await writeFile(join(folder, "notes.txt"), "keep me");
    await expect(convertCheckpoint({ input: metaDir, to: "hf", out: folder, force: true })).rejects.toMatchObject({
      code: "OUTPUT_NOT_SNAPSHOT",
    });
    expect(await readFile(join(folder, "notes.txt"), "utf8")).toBe("keep me");
    expect((await readdir(work)).filter((n) => n.includes(".partial-") || n.includes(".old-"))).toEqual([]);
  });

  it("leaves nothing under the final name when the output cannot be written", async () => {
    const blocker = join(work, "a-file");
    await writeFile(blocker, "x");
    await expect(convertCheckpoint({ input: metaDir, to: "hf", out: join(blocker, "out") })).rejects.toMatchObject({
      category: "filesystem",
      code: "PATH_CONFLICT",
    });
  });

  it("refuses q8_0 for HF and HF → HF", async () => {
    await expect(
      convertCheckpoint({ input: metaDir, to: "hf", dtype: "Q8_0", out: join(work, "q8") }),
    ).rejects.toMatchObject({ category: "usage" });
    // An HF snapshot of this test's own (not the one another test converts).
    const hf = (await convertCheckpoint({ input: metaDir, to: "hf", out: join(work, "hf-input") })).output;
    await expect(convertCheckpoint({ input: hf, to: "hf", out: join(work, "hfhf") })).rejects.toMatchObject({
      category: "usage",
    });
  });
});
