import { cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../../src/convert/convert-checkpoint.js";
import { openMetaSource } from "../../../src/model/open-meta-source.js";
import { openGguf } from "../../../src/formats/gguf/index.js";
import { loadGgufReference } from "../../../src/infer/load-gguf-reference.js";
import { loadSourceReference } from "../../../src/infer/load-source-reference.js";
import type { ReferenceModel } from "../../../src/infer/types.js";
import { compareModels } from "../../helpers/tiny-llama-compare.js";
import { buildTinyTokenizerModel, tinyPieces } from "../../helpers/tiny-llama-tokenizer.js";

const FIXTURE = join(__dirname, "../../fixtures/torch/tiny-llama-mp2");
const PROMPT = [1, 5, 9, 20, 33];

describe("Meta → GGUF on the torch.save fixture (bf16, 2 shards, GQA)", () => {
  let work: string;
  let metaDir: string;
  let meta: ReferenceModel;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-conv-gguf-"));
    metaDir = join(work, "tiny-llama-mp2");
    await cp(FIXTURE, metaDir, { recursive: true });
    await writeFile(join(metaDir, "tokenizer.model"), buildTinyTokenizerModel(64));
    const src = await openMetaSource({ dir: metaDir });
    meta = await loadSourceReference({ source: src });
    await src.close();
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it("f32: llama metadata, vocab and tensors whose logits match the Meta weights", async () => {
    const warnings: string[] = [];
    const r = await convertCheckpoint({
      input: metaDir,
      to: "gguf",
      dtype: "F32",
      onEvent: (e) => e.type === "warning" && warnings.push(e.message),
    });
    expect(r.output).toBe(`${metaDir}-f32.gguf`);
    expect(warnings.join(" ")).toContain("no byte-fallback pieces"); // the tiny test tokenizer has none
    const g = await openGguf({ path: r.output });
    try {
      const v = (k: string) => g.metadata.get(k)?.value;
      expect(v("general.architecture")).toBe("llama");
      expect(v("general.file_type")).toBe(0);
      expect(v("llama.embedding_length")).toBe(32);
      expect(v("llama.block_count")).toBe(2);
      expect(v("llama.feed_forward_length")).toBe(96);
      expect(v("llama.attention.head_count")).toBe(4);
      expect(v("llama.attention.head_count_kv")).toBe(2);
      expect(v("llama.rope.dimension_count")).toBe(8);
      expect(v("llama.context_length")).toBe(4096);
      expect(g.metadata.get("llama.attention.layer_norm_rms_epsilon")).toMatchObject({ type: "f32" });
      expect(g.metadata.get("llama.block_count")).toMatchObject({ type: "u32" });
      expect(v("tokenizer.ggml.model")).toBe("llama");
      expect(v("tokenizer.ggml.tokens")).toEqual(tinyPieces(64).map((p) => p.piece));
      expect(v("tokenizer.ggml.token_type")).toEqual(Int32Array.from(tinyPieces(64).map((p) => p.type)));
      expect(v("tokenizer.ggml.bos_token_id")).toBe(1);
      expect(v("tokenizer.ggml.eos_token_id")).toBe(2);
      expect(v("tokenizer.ggml.unknown_token_id")).toBe(0);
      expect(v("tokenizer.ggml.add_bos_token")).toBe(true);
      expect(g.metadata.has("tokenizer.chat_template")).toBe(false);
      const names = g.tensors.map((t) => t.name);
      expect(names.slice(0, 2)).toEqual(["token_embd.weight", "blk.0.attn_q.weight"]);
      expect(names.slice(-2)).toEqual(["output_norm.weight", "output.weight"]);
      expect(g.get("blk.0.attn_k.weight")!.ne).toEqual([32, 16]);
      expect(g.get("blk.0.ffn_down.weight")!.ne).toEqual([96, 32]);
    } finally {
      await g.close();
    }
    const gg = await loadGgufReference({ path: r.output });
    const cmp = compareModels(meta, gg, PROMPT, 10);
    expect(cmp.tokensB).toEqual(cmp.tokensA);
    expect(cmp.worst).toBeLessThan(1e-4);
  });

  it("HF → GGUF un-permutes q/k back to Meta's order (same logits, same bytes as Meta → GGUF)", async () => {
    const hf = await convertCheckpoint({ input: metaDir, to: "hf", out: join(work, "hf") });
    const a = await convertCheckpoint({ input: hf.output, to: "gguf", dtype: "F32", out: join(work, "from-hf.gguf") });
    const b = await convertCheckpoint({ input: metaDir, to: "gguf", dtype: "F32", out: join(work, "from-meta.gguf") });
    const ga = await openGguf({ path: a.output });
    const gb = await openGguf({ path: b.output });
    try {
      for (const t of gb.tensors) expect(await ga.get(t.name)!.read(), t.name).toEqual(await t.read());
    } finally {
      await ga.close();
      await gb.close();
    }
    const cmp = compareModels(meta, await loadGgufReference({ path: a.output }), PROMPT, 10);
    expect(cmp.tokensB).toEqual(cmp.tokensA);
    expect(cmp.worst).toBeLessThan(1e-4);
  });

  it("bf16 (default: the source's type) is exact; f16 holds bf16 weights exactly in range", async () => {
    const bf = await convertCheckpoint({ input: metaDir, to: "gguf" });
    expect(bf.dtype).toBe("BF16");
    const g = await openGguf({ path: bf.output });
    expect(g.metadata.get("general.file_type")?.value).toBe(32);
    expect(g.get("blk.0.attn_q.weight")!.ggmlType).toBe("BF16");
    expect(g.get("blk.0.attn_norm.weight")!.ggmlType).toBe("F32"); // norms stay f32, as llama.cpp wants
    await g.close();
    const c1 = compareModels(meta, await loadGgufReference({ path: bf.output }), PROMPT, 10);
    expect(c1.tokensB).toEqual(c1.tokensA);
    expect(c1.worst).toBeLessThan(1e-4);
    // f16 has 3 more mantissa bits than bf16, so bf16 weights of normal f16 magnitude convert exactly;
    // only values below 6.1e-5 lose bits. Allow 1e-3.
    const f16 = await convertCheckpoint({ input: metaDir, to: "gguf", dtype: "F16" });
    const c2 = compareModels(meta, await loadGgufReference({ path: f16.output }), PROMPT, 10);
    expect(c2.tokensB).toEqual(c2.tokensA);
    expect(c2.worst).toBeLessThan(1e-3);
  });

  it("q8_0 quantizes 2-D weights only and stays within quantization error", async () => {
    const q = await convertCheckpoint({ input: metaDir, to: "gguf", dtype: "Q8_0" });
    const g = await openGguf({ path: q.output });
    expect(g.metadata.get("general.file_type")?.value).toBe(7);
    expect(g.metadata.get("general.quantization_version")?.value).toBe(2);
    expect(g.get("blk.1.attn_output.weight")!.ggmlType).toBe("Q8_0"); // assembled from 16-column shard slices
    expect(g.get("output_norm.weight")!.ggmlType).toBe("F32");
    await g.close();
    // Q8_0 rounds each weight to 1/254 of its 32-block's max |w| (≤ 0.4 % of the block range), so
    // logits move by well under 5 % of their scale through 2 layers of this tiny model.
    const c = compareModels(meta, await loadGgufReference({ path: q.output }), PROMPT, 1);
    expect(c.worst).toBeLessThan(5e-2);
    expect(c.worst).toBeGreaterThan(0); // it really is quantized
  });

  it("refuses a GGUF without a tokenizer, leaving no output behind", async () => {
    const dir = join(work, "no-tok");
    await cp(FIXTURE, dir, { recursive: true });
    await expect(convertCheckpoint({ input: dir, to: "gguf" })).rejects.toMatchObject({
      code: "MISSING_TOKENIZER",
      category: "conversion",
    });
    expect((await readdir(work)).filter((n) => n.startsWith("no-tok") && n.endsWith(".gguf"))).toEqual([]);
    expect((await readdir(work)).filter((n) => n.includes(".partial-"))).toEqual([]);
  });

  it("refuses a tokenizer with more pieces than embedding rows", async () => {
    const dir = join(work, "big-tok");
    await cp(FIXTURE, dir, { recursive: true });
    await writeFile(join(dir, "tokenizer.model"), buildTinyTokenizerModel(65));
    await expect(convertCheckpoint({ input: dir, to: "gguf" })).rejects.toMatchObject({ code: "VOCAB_MISMATCH" });
  });

  it("pads a smaller vocabulary with [PAD] tokens", async () => {
    const dir = join(work, "small-tok");
    await cp(FIXTURE, dir, { recursive: true });
    await writeFile(join(dir, "tokenizer.model"), buildTinyTokenizerModel(60));
    const r = await convertCheckpoint({ input: dir, to: "gguf" });
    const g = await openGguf({ path: r.output });
    const tokens = g.metadata.get("tokenizer.ggml.tokens")!.value as string[];
    expect(tokens).toHaveLength(64);
    expect(tokens.slice(60)).toEqual(["[PAD60]", "[PAD61]", "[PAD62]", "[PAD63]"]);
    await g.close();
  });
});
