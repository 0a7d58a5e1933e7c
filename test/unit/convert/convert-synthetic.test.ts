import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../../src/convert/convert-checkpoint.js";
import { openHfSource } from "../../../src/model/open-hf-source.js";
import { openGguf } from "../../../src/formats/gguf/index.js";
import { buildReferenceModel } from "../../../src/infer/build-reference-model.js";
import { loadGgufReference } from "../../../src/infer/load-gguf-reference.js";
import { loadSourceReference } from "../../../src/infer/load-source-reference.js";
import type { ReferenceModel } from "../../../src/infer/types.js";
import { writeTinyMetaCheckpoint } from "../../helpers/tiny-llama-checkpoint.js";
import { compareModels } from "../../helpers/tiny-llama-compare.js";
import { TINY_SPEC, type F32Tensor, type TinyLlamaSpec } from "../../helpers/tiny-llama-model.js";

/** The reference built straight from the generated full weights: no merge, no conversion. */
function truth(spec: TinyLlamaSpec, weights: Map<string, F32Tensor>): Promise<ReferenceModel> {
  return buildReferenceModel({ config: { ...spec }, ropeLayout: "interleaved", get: async (n) => weights.get(n) });
}

async function hfModel(dir: string): Promise<ReferenceModel> {
  const s = await openHfSource({ dir });
  try {
    return await loadSourceReference({ source: s });
  } finally {
    await s.close();
  }
}

describe("generated Meta checkpoints (any shard count, shared storages, GQA)", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-conv-syn-"));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  for (const shards of [1, 2, 4]) {
    it(`${shards} shard(s), bf16 with per-layer shared storages: HF and GGUF logits equal the original weights'`, async () => {
      // every shard holds whole kv heads (as Meta's 70B: 8 kv heads over 8 files), so 4 shards need 4
      const spec = shards === 4 ? { ...TINY_SPEC, nHeads: 8, nKvHeads: 4 } : TINY_SPEC;
      const dir = join(work, `llama-2-tiny-${shards}`);
      const weights = await writeTinyMetaCheckpoint({
        dir,
        spec,
        shards,
        dtype: "BF16",
        seed: 100 + shards,
        shareStorage: true,
      });
      const ref = await truth(spec, weights);
      const hf = await convertCheckpoint({ input: dir, to: "hf" });
      const gguf = await convertCheckpoint({ input: dir, to: "gguf", dtype: "F32" });
      for (const model of [await hfModel(hf.output), await loadGgufReference({ path: gguf.output })]) {
        const cmp = compareModels(ref, model, [1, 7, 42, 3], 8);
        expect(cmp.tokensB).toEqual(cmp.tokensA);
        expect(cmp.worst).toBeLessThan(1e-4);
      }
    });
  }

  it("f32 Code Llama-style checkpoint: θ = 1e6 and 16384 context flow into config.json and GGUF, chat template for -chat", async () => {
    const spec = { ...TINY_SPEC, ropeTheta: 1e6 };
    const dir = join(work, "codellama-tiny-chat");
    const weights = await writeTinyMetaCheckpoint({ dir, spec, shards: 2, dtype: "F32", seed: 77 });
    const ref = await truth(spec, weights);
    const hf = await convertCheckpoint({ input: dir, to: "hf" });
    expect(hf.dtype).toBe("F32");
    const config = JSON.parse(await readFile(join(hf.output, "config.json"), "utf8"));
    expect(config).toMatchObject({
      rope_theta: 1e6,
      max_position_embeddings: 16384,
      torch_dtype: "float32",
      num_key_value_heads: 2,
      intermediate_size: 192,
      vocab_size: 96,
    });
    const tc = JSON.parse(await readFile(join(hf.output, "tokenizer_config.json"), "utf8"));
    expect(tc.chat_template).toContain("[INST]");
    expect(tc).toMatchObject({ bos_token: "<s>", eos_token: "</s>", unk_token: "<unk>", add_bos_token: true });
    const gen = JSON.parse(await readFile(join(hf.output, "generation_config.json"), "utf8"));
    expect(gen).toMatchObject({ temperature: 0.6, top_p: 0.9, bos_token_id: 1, eos_token_id: 2 });
    expect(await readFile(join(hf.output, "tokenizer.model"))).toEqual(await readFile(join(dir, "tokenizer.model")));
    const hfRef = await hfModel(hf.output);
    expect(hfRef.config.ropeTheta).toBe(1e6);
    const c1 = compareModels(ref, hfRef, [1, 2, 3, 4, 5, 6], 8);
    expect(c1.tokensB).toEqual(c1.tokensA);
    expect(c1.worst).toBeLessThan(1e-4);

    const gguf = await convertCheckpoint({ input: dir, to: "gguf" });
    const g = await openGguf({ path: gguf.output });
    expect(g.metadata.get("llama.rope.freq_base")?.value).toBe(1e6);
    expect(g.metadata.get("llama.context_length")?.value).toBe(16384);
    expect(String(g.metadata.get("tokenizer.chat_template")?.value)).toContain("<<SYS>>");
    await g.close();
    const c2 = compareModels(ref, await loadGgufReference({ path: gguf.output }), [1, 2, 3, 4, 5, 6], 8);
    expect(c2.tokensB).toEqual(c2.tokensA);
    expect(c2.worst).toBeLessThan(1e-4);
  });

  it("a wrong RoPE θ would be caught: the check is sensitive to it", async () => {
    const spec = { ...TINY_SPEC, ropeTheta: 1e6 };
    const dir = join(work, "theta-check");
    const weights = await writeTinyMetaCheckpoint({ dir, spec, shards: 1, dtype: "F32", seed: 5 });
    const right = await truth(spec, weights);
    const wrong = await truth({ ...spec, ropeTheta: 10000 }, weights);
    expect(compareModels(right, wrong, [1, 2, 3, 4, 5, 6], 1).worst).toBeGreaterThan(1e-4);
  });
});
