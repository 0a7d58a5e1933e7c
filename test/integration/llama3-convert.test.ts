/**
 * Llama 3.1 end to end on a tiny checkpoint of the real architecture: torch zip shards (2, bf16,
 * embeddings split on dim 0), use_scaled_rope, the real tiktoken tokenizer.model. Meta → HF and
 * Meta → GGUF (+ HF → GGUF) must give the reference's logits at positions where the RoPE scaling
 * matters, and the GGUF must load in llama.cpp, tokenize like an independent encoder and decode greedily
 * like the reference.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../src/convert/convert-checkpoint.js";
import { openGguf } from "../../src/formats/gguf/index.js";
import { buildReferenceModel } from "../../src/infer/build-reference-model.js";
import { greedyGenerate } from "../../src/infer/greedy-generate.js";
import { loadReferenceModel } from "../../src/infer/load-reference-model.js";
import type { ReferenceModel } from "../../src/infer/types.js";
import { llama3ReferenceEncoder, llama3TokenizerJson, writeLlama3TokenizerModel } from "../helpers/llama3-tokenizer.js";
import { writeTinyMetaCheckpoint } from "../helpers/tiny-llama-checkpoint.js";
import { maxRelativeError } from "../helpers/tiny-llama-compare.js";
import type { F32Tensor, TinyLlamaSpec } from "../helpers/tiny-llama-model.js";

// headDim 32 with θ = 500000: frequencies 8..15 of 16 fall in the scaled or smoothed band.
const SPEC: TinyLlamaSpec = {
  dim: 64,
  nLayers: 2,
  nHeads: 2,
  nKvHeads: 2,
  hiddenDim: 192,
  vocabSize: 128256,
  normEps: 1e-5,
  ropeTheta: 500000,
};
// Meta's apply_scaling constants, written out here rather than taken from src/.
const SCALING = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 };
// A prompt long enough for the scaled frequencies to move the logits (positions up to 39).
const PROMPT = [128000, ...Array.from({ length: 39 }, (_, i) => (i * 2654435761) % 128000)];

let work: string;
let metaDir: string;
let weights: Map<string, F32Tensor>;
let hfDir: string;
let ggufPath: string;
const truth = (scaled: boolean): Promise<ReferenceModel> =>
  buildReferenceModel({
    config: { ...SPEC, ...(scaled ? { ropeScaling: SCALING } : {}) },
    ropeLayout: "interleaved",
    get: async (n) => weights.get(n),
  });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "lg-llama3-"));
  metaDir = join(work, "Llama-3.1-Tiny-Instruct");
  weights = await writeTinyMetaCheckpoint({
    dir: metaDir,
    spec: SPEC,
    shards: 2,
    dtype: "BF16",
    seed: 311,
    embeddingSplitDim: 0,
    tokenizerPieces: 0,
    extraParams: { vocab_size: 128256, use_scaled_rope: true, rope_theta: 500000 },
  });
  await writeLlama3TokenizerModel(metaDir);
  hfDir = (await convertCheckpoint({ input: metaDir, to: "hf" })).output;
  ggufPath = (await convertCheckpoint({ input: metaDir, to: "gguf" })).output;
}, 300_000);
afterAll(async () => rm(work, { recursive: true, force: true }));

describe("Llama 3.1 Meta checkpoint → HF", () => {
  it("writes the 3.1 config, generation config and transformers' tokenizer files", async () => {
    expect((await readdir(hfDir)).sort()).toEqual([
      "config.json",
      "generation_config.json",
      "model.safetensors",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer.model",
      "tokenizer_config.json",
    ]);
    const config = JSON.parse(await readFile(join(hfDir, "config.json"), "utf8"));
    expect(config).toMatchObject({
      rope_theta: 500000,
      rope_scaling: {
        rope_type: "llama3",
        factor: 8,
        low_freq_factor: 1,
        high_freq_factor: 4,
        original_max_position_embeddings: 8192,
      },
      max_position_embeddings: 131072,
      tie_word_embeddings: false,
      bos_token_id: 128000,
      eos_token_id: [128001, 128008, 128009],
      vocab_size: 128256,
    });
    const gen = JSON.parse(await readFile(join(hfDir, "generation_config.json"), "utf8"));
    expect(gen).toEqual({
      bos_token_id: 128000,
      do_sample: true,
      eos_token_id: [128001, 128008, 128009],
      temperature: 0.6,
      top_p: 0.9,
    });
    const tc = JSON.parse(await readFile(join(hfDir, "tokenizer_config.json"), "utf8"));
    expect(tc).toMatchObject({
      bos_token: "<|begin_of_text|>",
      eos_token: "<|eot_id|>",
      model_max_length: 131072,
      tokenizer_class: "PreTrainedTokenizerFast",
    });
    expect(tc.chat_template).toContain("Cutting Knowledge Date: December 2023");
    expect(tc.added_tokens_decoder["128008"].content).toBe("<|eom_id|>");
    const tok = JSON.parse(await readFile(join(hfDir, "tokenizer.json"), "utf8"));
    const real = llama3TokenizerJson();
    expect(JSON.stringify(tok.model)).toBe(JSON.stringify(real["model"]));
    expect(tok.pre_tokenizer).toEqual(real["pre_tokenizer"]);
    expect(tok.post_processor).toEqual(real["post_processor"]);
    expect(tok.added_tokens.map((t: { id: number }) => t.id)).toEqual(
      (real["added_tokens"] as { id: number }[]).map((t) => t.id),
    );
  });
});

describe("Llama 3.1 → GGUF", () => {
  it("writes the gpt2 vocabulary, llama-bpe, control specials, merges and rope_freqs from the scaling rule", async () => {
    const g = await openGguf({ path: ggufPath });
    try {
      const v = (k: string) => g.metadata.get(k)?.value;
      expect(v("tokenizer.ggml.model")).toBe("gpt2");
      expect(v("tokenizer.ggml.pre")).toBe("llama-bpe");
      const tokens = v("tokenizer.ggml.tokens") as string[];
      const types = v("tokenizer.ggml.token_type") as number[];
      expect(tokens.length).toBe(128256);
      expect([tokens[128000], tokens[128009], tokens[220]]).toEqual(["<|begin_of_text|>", "<|eot_id|>", "Ġ"]);
      expect([types[0], types[127999], types[128000], types[128255]]).toEqual([1, 1, 3, 3]);
      expect((v("tokenizer.ggml.merges") as string[]).length).toBe(280147);
      expect([v("tokenizer.ggml.bos_token_id"), v("tokenizer.ggml.eos_token_id")]).toEqual([128000, 128009]);
      expect(v("tokenizer.chat_template")).toContain("Cutting Knowledge Date");
      expect(v("llama.context_length")).toBe(131072);
      const freqs = g.get("rope_freqs.weight")!;
      expect(freqs.ne).toEqual([16]);
      const got = new Float32Array((await freqs.read()).slice().buffer);
      // llama.cpp's generate_extra_tensors, computed here independently
      const want = Array.from({ length: 16 }, (_, i) => {
        const wavelen = 2 * Math.PI * Math.pow(500000, (2 * i) / 32);
        if (wavelen < 8192 / 4) return 1;
        if (wavelen > 8192) return 8;
        const smooth = (8192 / wavelen - 1) / (4 - 1);
        return 1 / ((1 - smooth) / 8 + smooth);
      });
      want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
      expect(want.filter((w) => w !== 1).length).toBeGreaterThan(4);
    } finally {
      await g.close();
    }
  });
});

describe("logits with Llama 3 RoPE scaling", () => {
  it("Meta, HF and GGUF (from Meta and from HF) give the reference's logits; unscaled RoPE does not", async () => {
    const want = greedyGenerate({ model: await truth(true), prompt: PROMPT, maxTokens: 2 });
    const hfGguf = (await convertCheckpoint({ input: hfDir, to: "gguf", out: join(work, "from-hf.gguf") })).output;
    let hfLogits: Float64Array | undefined;
    for (const path of [metaDir, hfDir, ggufPath, hfGguf]) {
      const got = greedyGenerate({ model: await loadReferenceModel({ path }), prompt: PROMPT, maxTokens: 2 });
      expect(got.tokens, path).toEqual(want.tokens);
      expect(maxRelativeError(want.promptLogits, got.promptLogits), path).toBeLessThan(1e-4);
      expect(maxRelativeError(want.stepLogits[1]!, got.stepLogits[1]!), path).toBeLessThan(1e-4);
      if (path === hfDir) hfLogits = got.promptLogits;
    }
    // the check can fail: the same weights without the scaling give logits far outside the tolerance
    const plain = greedyGenerate({ model: await truth(false), prompt: PROMPT, maxTokens: 1 }).promptLogits;
    expect(maxRelativeError(plain, hfLogits!)).toBeGreaterThan(1e-3);
  }, 120_000);
});

describe("the converter's Llama 3 GGUF in llama.cpp (node-llama-cpp, CPU)", () => {
  it("tokenizes like an independent tiktoken encoder and decodes greedily like the reference", async () => {
    const { getLlama } = await import("node-llama-cpp");
    const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
    const model = await llama.loadModel({ modelPath: ggufPath });
    try {
      const encode = llama3ReferenceEncoder();
      const texts = [
        "Héllo wörld, naïve café — déjà vu",
        "你好，世界。日本語のテキスト",
        "emoji 🦙🔥👍🏽 and flags 🇫🇷",
        "digits 1234567 3.14159 1e-10",
        "def f(x):\n\treturn x ** 2  # square\n",
        "spaces   runs\n\n\n   and\ttabs  ",
        "I'M HERE, you're there; they'LL see",
      ];
      for (const t of texts) expect([...model.tokenize(t)], t).toEqual(encode(t));
      const context = await model.createContext({ contextSize: 128, threads: 1 });
      try {
        const seq = context.getSequence();
        const got: number[] = [];
        for await (const tok of seq.evaluate(PROMPT.slice(0, 24) as never, { temperature: 0 })) {
          got.push(Number(tok));
          if (got.length === 6) break;
        }
        const ref = greedyGenerate({ model: await truth(true), prompt: PROMPT.slice(0, 24), maxTokens: 6 }).tokens;
        expect(got).toEqual(ref);
      } finally {
        await context.dispose();
      }
    } finally {
      await model.dispose();
      await llama.dispose();
    }
  }, 120_000);
});
