import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../../src/convert/convert-checkpoint.js";
import { openGguf } from "../../../src/formats/gguf/index.js";
import { buildReferenceModel } from "../../../src/infer/build-reference-model.js";
import { loadReferenceModel } from "../../../src/infer/load-reference-model.js";
import { writeTinyMetaCheckpoint } from "../../helpers/tiny-llama-checkpoint.js";
import { compareModels } from "../../helpers/tiny-llama-compare.js";
import { TINY_SPEC, type F32Tensor, type TinyLlamaSpec } from "../../helpers/tiny-llama-model.js";

const truth = (spec: TinyLlamaSpec, w: Map<string, F32Tensor>) =>
  buildReferenceModel({ config: { ...spec }, ropeLayout: "interleaved", get: async (n) => w.get(n) });

describe("model families and edge cases", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-conv-fam-"));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it("Llama 3 layout: embeddings merged along dim 0, θ, context and bos/eos of Llama 3.0 (no tokenizer: HF warns, GGUF refuses)", async () => {
    const spec: TinyLlamaSpec = {
      ...TINY_SPEC,
      dim: 32,
      nHeads: 4,
      nKvHeads: 2,
      hiddenDim: 96,
      vocabSize: 128256,
      ropeTheta: 500000,
    };
    const dir = join(work, "llama-3-tiny");
    const weights = await writeTinyMetaCheckpoint({
      dir,
      spec,
      shards: 2,
      dtype: "BF16",
      seed: 31,
      embeddingSplitDim: 0,
      tokenizerPieces: 0,
      extraParams: { vocab_size: 128256 },
    });
    const events: string[] = [];
    const hf = await convertCheckpoint({
      input: dir,
      to: "hf",
      onEvent: (e) => e.type === "warning" && events.push(e.message),
    });
    expect(events.join(" ")).toContain("No tokenizer.model");
    expect((await readdir(hf.output)).sort()).toEqual(["config.json", "generation_config.json", "model.safetensors"]);
    const config = JSON.parse(await readFile(join(hf.output, "config.json"), "utf8"));
    expect(config).toMatchObject({
      vocab_size: 128256,
      rope_theta: 500000,
      rope_scaling: null,
      max_position_embeddings: 8192,
      bos_token_id: 128000,
      eos_token_id: 128001,
    });
    const cmp = compareModels(
      await truth(spec, weights),
      await loadReferenceModel({ path: hf.output }),
      [128000, 5, 70000],
      3,
    );
    expect(cmp.tokensB).toEqual(cmp.tokensA);
    expect(cmp.worst).toBeLessThan(1e-4);
    await expect(convertCheckpoint({ input: dir, to: "gguf" })).rejects.toMatchObject({ code: "MISSING_TOKENIZER" });
  });

  it("Llama 3.2 small models: factor 32, tied embeddings (no lm_head / output.weight written), reference uses the embeddings", async () => {
    const spec: TinyLlamaSpec = {
      ...TINY_SPEC,
      dim: 32,
      nHeads: 4,
      nKvHeads: 2,
      hiddenDim: 96,
      vocabSize: 128256,
      ropeTheta: 500000,
    };
    const dir = join(work, "Llama3.2-tiny");
    const weights = await writeTinyMetaCheckpoint({
      dir,
      spec,
      shards: 1,
      dtype: "F32",
      seed: 32,
      tokenizerPieces: 0,
      extraParams: { vocab_size: 128256, use_scaled_rope: true },
    });
    weights.set("output.weight", weights.get("tok_embeddings.weight")!); // what tying means
    const hf = await convertCheckpoint({ input: dir, to: "hf" });
    const config = JSON.parse(await readFile(join(hf.output, "config.json"), "utf8"));
    expect(config).toMatchObject({
      tie_word_embeddings: true,
      max_position_embeddings: 131072,
      rope_scaling: { factor: 32, rope_type: "llama3" },
    });
    const header = (await readFile(join(hf.output, "model.safetensors"))).subarray(0, 8192).toString("latin1");
    expect(header).toContain("model.embed_tokens.weight");
    expect(header).not.toContain("lm_head");
    const ref = await loadReferenceModel({ path: hf.output });
    expect(ref.config.tieWordEmbeddings).toBe(true);
    const scaled = await buildReferenceModel({
      config: { ...spec, ropeScaling: { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 } },
      ropeLayout: "interleaved",
      get: async (n) => weights.get(n),
    });
    const cmp = compareModels(scaled, ref, [128000, 5, 70000], 2);
    expect(cmp.worst).toBeLessThan(1e-4);
  });

  it("drops rope.freqs buffers found in the shards", async () => {
    const dir = join(work, "with-rope-freqs");
    const freqs = { shape: [8], data: new Float32Array(8).fill(0.5) };
    const weights = await writeTinyMetaCheckpoint({
      dir,
      spec: TINY_SPEC,
      shards: 2,
      dtype: "F32",
      seed: 2,
      extraTensors: new Map([["rope.freqs", freqs]]),
    });
    const gguf = await convertCheckpoint({ input: dir, to: "gguf" });
    expect(gguf.tensors).toBe(3 + 9 * TINY_SPEC.nLayers);
    const g = await openGguf({ path: gguf.output });
    expect(g.tensors.some((t) => t.name.includes("rope"))).toBe(false);
    await g.close();
    const cmp = compareModels(
      await truth(TINY_SPEC, weights),
      await loadReferenceModel({ path: gguf.output }),
      [1, 2],
      4,
    );
    expect(cmp.worst).toBeLessThan(1e-4);
  });

  it("q8_0 falls back to f16 for rows that are not whole 32-value blocks", async () => {
    const spec: TinyLlamaSpec = { ...TINY_SPEC, dim: 48, nHeads: 4, nKvHeads: 2, hiddenDim: 128 };
    const dir = join(work, "odd-rows");
    await writeTinyMetaCheckpoint({ dir, spec, shards: 1, dtype: "F32", seed: 6 });
    const q = await convertCheckpoint({ input: dir, to: "gguf", dtype: "Q8_0" });
    const g = await openGguf({ path: q.output });
    expect(g.get("blk.0.attn_q.weight")!.ggmlType).toBe("F16"); // rows of 48
    expect(g.get("blk.0.ffn_down.weight")!.ggmlType).toBe("Q8_0"); // rows of 128
    await g.close();
  });

  it("HF → GGUF carries the snapshot's own chat template", async () => {
    const dir = join(work, "llama-2-tiny-chat");
    await writeTinyMetaCheckpoint({ dir, spec: TINY_SPEC, shards: 1, dtype: "BF16", seed: 12 });
    const hf = await convertCheckpoint({ input: dir, to: "hf", out: join(work, "snapshot") });
    const cfgPath = join(hf.output, "tokenizer_config.json");
    const cfg = JSON.parse(await readFile(cfgPath, "utf8"));
    cfg.chat_template = "{{ custom }}";
    await writeFile(cfgPath, JSON.stringify(cfg));
    const gguf = await convertCheckpoint({ input: hf.output, to: "gguf" });
    const g = await openGguf({ path: gguf.output });
    expect(g.metadata.get("tokenizer.chat_template")?.value).toBe("{{ custom }}");
    await g.close();
    const plain = await convertCheckpoint({ input: hf.output, to: "gguf", chat: false, out: join(work, "plain.gguf") });
    const g2 = await openGguf({ path: plain.output });
    expect(g2.metadata.has("tokenizer.chat_template")).toBe(false);
    await g2.close();
  });
});

describe("tied embeddings", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-conv-tied-"));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it("an HF snapshot without lm_head converts to a GGUF without output.weight that reuses the embedding", async () => {
    const { openSafetensors, writeSafetensors } = await import("../../../src/formats/safetensors/index.js");
    const dir = join(work, "meta");
    const weights = await writeTinyMetaCheckpoint({ dir, spec: TINY_SPEC, shards: 1, dtype: "F32", seed: 21 });
    const hf = await convertCheckpoint({ input: dir, to: "hf", out: join(work, "hf") });
    // rewrite the snapshot without lm_head (tie_word_embeddings)
    const st = await openSafetensors({ path: join(hf.output, "model.safetensors") });
    const keep = st.tensors.filter((t) => t.name !== "lm_head.weight");
    await writeSafetensors({
      path: join(work, "model.safetensors"),
      tensors: keep.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: () => t.read() })),
    });
    await st.close();
    await rm(join(hf.output, "model.safetensors"));
    await import("node:fs/promises").then((f) =>
      f.rename(join(work, "model.safetensors"), join(hf.output, "model.safetensors")),
    );
    const gguf = await convertCheckpoint({ input: hf.output, to: "gguf" });
    const g = await openGguf({ path: gguf.output });
    expect(g.get("output.weight")).toBeUndefined();
    await g.close();
    const tied = new Map(weights);
    tied.set("output.weight", weights.get("tok_embeddings.weight")!);
    const cmp = compareModels(await truth(TINY_SPEC, tied), await loadReferenceModel({ path: gguf.output }), [1, 9], 4);
    expect(cmp.tokensB).toEqual(cmp.tokensA);
    expect(cmp.worst).toBeLessThan(1e-4);
  });
});
