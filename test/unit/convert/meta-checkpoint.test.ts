import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleTensor } from "../../../src/model/assemble-tensor.js";
import { computeHiddenDim } from "../../../src/model/compute-hidden-dim.js";
import { createCaster } from "../../../src/model/create-caster.js";
import { describeMetaModel } from "../../../src/model/describe-meta-model.js";
import { mapTensorName } from "../../../src/model/map-tensor-name.js";
import { metaSplitDim } from "../../../src/model/meta-split-dim.js";
import { openMetaCheckpoint } from "../../../src/model/open-meta-checkpoint.js";
import { readMetaParams } from "../../../src/model/read-meta-params.js";
import { writeTorchCheckpoint } from "../../../src/demo/write-torch-checkpoint.js";
import { useTempDir } from "../../helpers/temp-dir.js";

const FIXTURE = join(__dirname, "../../fixtures/torch/tiny-llama-mp2");
const EXPECTED = join(__dirname, "../../fixtures/torch/expected.json");

describe("Meta params and rules", () => {
  it("computes Meta's feed-forward width for known models", () => {
    expect(computeHiddenDim({ dim: 4096, multipleOf: 256 })).toBe(11008); // 7B
    expect(computeHiddenDim({ dim: 5120, multipleOf: 256 })).toBe(13824); // 13B
    expect(computeHiddenDim({ dim: 8192, multipleOf: 4096, ffnDimMultiplier: 1.3 })).toBe(28672); // 70B
    expect(computeHiddenDim({ dim: 8192, multipleOf: 256, ffnDimMultiplier: 1.0 })).toBe(22016); // Code Llama 34B
    expect(computeHiddenDim({ dim: 4096, multipleOf: 1024, ffnDimMultiplier: 1.3 })).toBe(14336); // Llama 3 8B
    expect(computeHiddenDim({ dim: 32, multipleOf: 32 })).toBe(96); // the fixture
  });

  it("picks context length and θ by family", () => {
    const base = { dim: 4096, nLayers: 32, nHeads: 32, nKvHeads: 32, vocabSize: -1, multipleOf: 256 };
    expect(describeMetaModel({ ...base, normEps: 1e-5 })).toMatchObject({
      family: "llama2",
      contextLength: 4096,
      ropeTheta: 10000,
      embeddingSplitDim: 1,
    });
    expect(describeMetaModel({ ...base, normEps: 1e-6 })).toMatchObject({ family: "llama1", contextLength: 2048 });
    expect(describeMetaModel({ ...base, normEps: 1e-5, vocabSize: 32016, ropeTheta: 1e6 })).toMatchObject({
      family: "codellama",
      contextLength: 16384,
      ropeTheta: 1e6,
    });
    expect(describeMetaModel({ ...base, normEps: 1e-5, vocabSize: 128256, ropeTheta: 500000 })).toMatchObject({
      family: "llama3",
      contextLength: 8192,
      embeddingSplitDim: 0,
    });
  });

  it("splits by Meta's model-parallel classes", () => {
    expect(metaSplitDim("tok_embeddings.weight", 2, 1)).toBe(1);
    expect(metaSplitDim("tok_embeddings.weight", 2, 0)).toBe(0);
    expect(metaSplitDim("layers.3.attention.wq.weight", 2, 1)).toBe(0);
    expect(metaSplitDim("layers.3.attention.wk.weight", 2, 1)).toBe(0);
    expect(metaSplitDim("layers.3.attention.wo.weight", 2, 1)).toBe(1);
    expect(metaSplitDim("layers.3.feed_forward.w1.weight", 2, 1)).toBe(0);
    expect(metaSplitDim("layers.3.feed_forward.w2.weight", 2, 1)).toBe(1);
    expect(metaSplitDim("layers.3.feed_forward.w3.weight", 2, 1)).toBe(0);
    expect(metaSplitDim("output.weight", 2, 1)).toBe(0);
    expect(metaSplitDim("layers.3.ffn_norm.weight", 1, 1)).toBeNull();
    expect(metaSplitDim("norm.weight", 1, 1)).toBeNull();
  });

  it("maps names between Meta, transformers and llama.cpp", () => {
    const m = (name: string, from: "meta" | "hf" | "gguf", to: "meta" | "hf" | "gguf") =>
      mapTensorName({ name, from, to });
    expect(m("layers.12.attention.wq.weight", "meta", "hf")).toBe("model.layers.12.self_attn.q_proj.weight");
    expect(m("layers.0.feed_forward.w1.weight", "meta", "hf")).toBe("model.layers.0.mlp.gate_proj.weight");
    expect(m("layers.0.feed_forward.w2.weight", "meta", "gguf")).toBe("blk.0.ffn_down.weight");
    expect(m("layers.0.feed_forward.w3.weight", "meta", "gguf")).toBe("blk.0.ffn_up.weight");
    expect(m("layers.1.attention_norm.weight", "meta", "hf")).toBe("model.layers.1.input_layernorm.weight");
    expect(m("layers.1.ffn_norm.weight", "meta", "hf")).toBe("model.layers.1.post_attention_layernorm.weight");
    expect(m("tok_embeddings.weight", "meta", "gguf")).toBe("token_embd.weight");
    expect(m("norm.weight", "meta", "gguf")).toBe("output_norm.weight");
    expect(m("lm_head.weight", "hf", "gguf")).toBe("output.weight");
    expect(m("model.layers.7.self_attn.o_proj.weight", "hf", "gguf")).toBe("blk.7.attn_output.weight");
    expect(m("blk.7.attn_k.weight", "gguf", "meta")).toBe("layers.7.attention.wk.weight");
    expect(m("rope.freqs", "meta", "hf")).toBeUndefined();
    expect(m("model.layers.0.self_attn.rotary_emb.inv_freq", "hf", "gguf")).toBeUndefined();
  });
});

describe("readMetaParams", () => {
  // Each test its own empty folder: the missing-params.json case must not see another test's file.
  const tmp = useTempDir("params");

  it("reports a missing params.json as a conversion error with a hint", async () => {
    await expect(readMetaParams({ dir: tmp() })).rejects.toMatchObject({
      code: "MISSING_PARAMS",
      category: "conversion",
      hint: expect.stringContaining("params.json"),
    });
  });
  it("rejects malformed values", async () => {
    await writeFile(join(tmp(), "params.json"), "[1]");
    await expect(readMetaParams({ dir: tmp() })).rejects.toMatchObject({ code: "BAD_PARAMS" });
    await writeFile(join(tmp(), "params.json"), JSON.stringify({ dim: "4096", n_layers: 1, n_heads: 1 }));
    await expect(readMetaParams({ dir: tmp() })).rejects.toThrow(/"dim" must be an integer/);
    await writeFile(join(tmp(), "params.json"), JSON.stringify({ dim: 30, n_layers: 1, n_heads: 4 }));
    await expect(readMetaParams({ dir: tmp() })).rejects.toThrow(/whole, even-sized heads/);
  });
  it("applies ModelArgs defaults", async () => {
    await writeFile(join(tmp(), "params.json"), JSON.stringify({ dim: 64, n_layers: 2, n_heads: 4 }));
    expect(await readMetaParams({ dir: tmp() })).toEqual({
      dim: 64,
      nLayers: 2,
      nHeads: 4,
      nKvHeads: 4,
      vocabSize: -1,
      multipleOf: 256,
      normEps: 1e-5,
    });
  });
});

describe("openMetaCheckpoint on the real torch.save fixture (bf16, 2 shards, GQA)", () => {
  it("merges every tensor to the bytes PyTorch's torch.cat produced", async () => {
    const expected = JSON.parse(await readFile(EXPECTED, "utf8")).files["tiny-llama-mp2/merged"] as Record<
      string,
      { shape: number[]; sha256_le_bytes: string }
    >;
    const ck = await openMetaCheckpoint({ dir: FIXTURE });
    try {
      expect(ck.shardPaths).toHaveLength(2);
      expect(ck.hiddenDim).toBe(96);
      expect(ck.params.nKvHeads).toBe(2);
      expect(ck.tensors.map((t) => t.canonical).sort()).toEqual(Object.keys(expected).sort());
      const caster = createCaster();
      for (const t of ck.tensors) {
        expect(t.shape, t.canonical).toEqual(expected[t.canonical]!.shape);
        const bytes = await assembleTensor({
          name: t.canonical,
          parts: t.parts,
          concatDim: t.concatDim,
          from: "BF16",
          to: "BF16",
          caster,
        });
        expect(createHash("sha256").update(bytes).digest("hex"), t.canonical).toBe(
          expected[t.canonical]!.sha256_le_bytes,
        );
      }
    } finally {
      await ck.close();
    }
  });
});

describe("openMetaCheckpoint bad input", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lg-meta-bad-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const params = { dim: 64, n_layers: 1, n_heads: 4, n_kv_heads: 2, multiple_of: 32, norm_eps: 1e-5, vocab_size: -1 };
  const bf16 = (n: number) => new Uint8Array(n * 2);
  const write = (d: string, file: string, tensors: { name: string; shape: number[]; dtype?: "BF16" | "F32" }[]) =>
    writeTorchCheckpoint(
      join(d, file),
      tensors.map((t) => ({
        name: t.name,
        dtype: t.dtype ?? "BF16",
        shape: t.shape,
        data:
          t.dtype === "F32"
            ? new Uint8Array(t.shape.reduce((a, b) => a * b, 1) * 4)
            : bf16(t.shape.reduce((a, b) => a * b, 1)),
      })),
    );

  it("refuses shards whose shapes disagree", async () => {
    const d = await mkdtemp(join(dir, "shape-"));
    await writeFile(join(d, "params.json"), JSON.stringify(params));
    write(d, "consolidated.00.pth", [{ name: "layers.0.attention.wq.weight", shape: [32, 64] }]);
    write(d, "consolidated.01.pth", [{ name: "layers.0.attention.wq.weight", shape: [32, 48] }]);
    await expect(openMetaCheckpoint({ dir: d })).rejects.toMatchObject({
      code: "SHARD_MISMATCH",
      category: "conversion",
      message: expect.stringContaining("[32, 48]"),
    });
  });
  it("refuses shards with different tensors or dtypes, and missing shard numbers", async () => {
    const d = await mkdtemp(join(dir, "names-"));
    await writeFile(join(d, "params.json"), JSON.stringify(params));
    write(d, "consolidated.00.pth", [{ name: "norm.weight", shape: [64] }]);
    write(d, "consolidated.01.pth", [{ name: "norm.weight", shape: [64], dtype: "F32" }]);
    await expect(openMetaCheckpoint({ dir: d })).rejects.toThrow(
      /BF16 in consolidated.00.pth but F32 in consolidated.01.pth/,
    );
    write(d, "consolidated.01.pth", [{ name: "output.weight", shape: [64] }]);
    await expect(openMetaCheckpoint({ dir: d })).rejects.toThrow(/consolidated.01.pth has no tensor norm.weight/);
    await rm(join(d, "consolidated.01.pth"));
    write(d, "consolidated.02.pth", [{ name: "norm.weight", shape: [64] }]);
    await expect(openMetaCheckpoint({ dir: d })).rejects.toMatchObject({ code: "MISSING_SHARD" });
  });
  it("refuses a folder without shards or without params.json", async () => {
    const d = await mkdtemp(join(dir, "empty-"));
    await expect(openMetaCheckpoint({ dir: d })).rejects.toMatchObject({ code: "MISSING_PARAMS" });
    await writeFile(join(d, "params.json"), JSON.stringify(params));
    await expect(openMetaCheckpoint({ dir: d })).rejects.toMatchObject({ code: "NO_SHARDS" });
    await cp(join(FIXTURE, "consolidated.00.pth"), join(d, "consolidated.00.pth"));
    // fixture weights with other params: w1 has 48 rows per shard but params say 192
    await expect(openMetaCheckpoint({ dir: d })).rejects.toMatchObject({ code: "PARAMS_MISMATCH" });
  });
});
