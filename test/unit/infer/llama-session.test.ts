import { describe, expect, it } from "vitest";
import { buildReferenceModel } from "../../../src/infer/build-reference-model.js";
import { greedyGenerate } from "../../../src/infer/greedy-generate.js";
import { createLlamaSession } from "../../../src/infer/llama-session.js";
import type { LlamaConfig, ReferenceModel } from "../../../src/infer/types.js";
import { permuteQk } from "../../../src/model/permute-qk.js";
import { makeTinyLlamaWeights, TINY_SPEC, type F32Tensor } from "../../helpers/tiny-llama-model.js";

const config: LlamaConfig = { ...TINY_SPEC };

function fromMap(m: Map<string, F32Tensor>, ropeLayout: ReferenceModel["ropeLayout"]): Promise<ReferenceModel> {
  return buildReferenceModel({ config, ropeLayout, get: async (n) => m.get(n) });
}

/** HF row p·hd/2 + i = Meta row 2i + p, written out independently of src/convert. */
function toHalfSplit(t: F32Tensor, headDim: number): F32Tensor {
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++) {
    const head = Math.floor(r / headDim);
    const within = r % headDim;
    const i = Math.floor(within / 2);
    const p = within % 2;
    const hfRow = head * headDim + p * (headDim / 2) + i;
    out.set(t.data.subarray(r * cols, (r + 1) * cols), hfRow * cols);
  }
  return { shape: [rows, cols], data: out };
}

describe("reference forward pass", () => {
  it("with zero attention and FFN outputs, logits = output · RMSNorm(embedding)", async () => {
    const m = makeTinyLlamaWeights(config, 7);
    for (let l = 0; l < config.nLayers; l++) {
      m.get(`layers.${l}.attention.wo.weight`)!.data.fill(0);
      m.get(`layers.${l}.feed_forward.w2.weight`)!.data.fill(0);
    }
    const model = await fromMap(m, "interleaved");
    const token = 5;
    const logits = createLlamaSession(model).step(token);
    // independent computation
    const x = m.get("tok_embeddings.weight")!.data.subarray(token * config.dim, (token + 1) * config.dim);
    const w = m.get("norm.weight")!.data;
    let ss = 0;
    for (const v of x) ss += v * v;
    const s = 1 / Math.sqrt(ss / config.dim + config.normEps);
    const out = m.get("output.weight")!.data;
    for (const r of [0, 17, config.vocabSize - 1]) {
      let acc = 0;
      for (let c = 0; c < config.dim; c++) acc += out[r * config.dim + c]! * x[c]! * s * w[c]!;
      expect(logits[r]).toBeCloseTo(acc, 9);
    }
  });

  it("Meta weights + interleaved RoPE == permuted weights + half-split RoPE", async () => {
    const meta = makeTinyLlamaWeights(config, 11);
    const hd = config.dim / config.nHeads;
    const hf = new Map(meta);
    for (let l = 0; l < config.nLayers; l++) {
      for (const w of ["wq", "wk"]) {
        const name = `layers.${l}.attention.${w}.weight`;
        hf.set(name, toHalfSplit(meta.get(name)!, hd));
      }
    }
    const a = greedyGenerate({ model: await fromMap(meta, "interleaved"), prompt: [1, 40, 7], maxTokens: 6 });
    const b = greedyGenerate({ model: await fromMap(hf, "half-split"), prompt: [1, 40, 7], maxTokens: 6 });
    expect(b.tokens).toEqual(a.tokens);
    for (let i = 0; i < a.stepLogits.length; i++) {
      const x = a.stepLogits[i]!;
      const y = b.stepLogits[i]!;
      for (let j = 0; j < x.length; j++) expect(Math.abs(x[j]! - y[j]!)).toBeLessThan(1e-9 * (1 + Math.abs(x[j]!)));
    }
    // and the wrong pairing really does change the result (the check can fail)
    const wrong = greedyGenerate({ model: await fromMap(hf, "interleaved"), prompt: [1, 40, 7], maxTokens: 1 });
    expect(Math.abs(wrong.promptLogits[0]! - a.promptLogits[0]!)).toBeGreaterThan(1e-6);
  });

  it("permuteQk matches the index formula and round-trips", () => {
    const t = makeTinyLlamaWeights(config, 3).get("layers.0.attention.wk.weight")!;
    const hd = config.dim / config.nHeads;
    const bytes = new Uint8Array(t.data.buffer.slice(0));
    const hfBytes = permuteQk({ data: bytes, rowBytes: config.dim * 4, headDim: hd, direction: "meta-to-hf" });
    expect(Array.from(new Float32Array(hfBytes.buffer))).toEqual(Array.from(toHalfSplit(t, hd).data));
    const back = permuteQk({ data: hfBytes, rowBytes: config.dim * 4, headDim: hd, direction: "hf-to-meta" });
    expect(back).toEqual(bytes);
  });

  it("greedy generation is deterministic and stops on the stop token", async () => {
    const model = await fromMap(makeTinyLlamaWeights(config, 5), "interleaved");
    const a = greedyGenerate({ model, prompt: [1], maxTokens: 8 });
    expect(a.tokens).toHaveLength(8);
    const stop = a.tokens[2]!;
    const b = greedyGenerate({ model, prompt: [1], maxTokens: 8, stopToken: stop });
    expect(b.tokens).toEqual(a.tokens.slice(0, a.tokens.indexOf(stop) + 1));
  });

  it("a KV-cached step equals a fresh session fed the same prefix", async () => {
    const model = await fromMap(makeTinyLlamaWeights(config, 9), "interleaved");
    const s1 = createLlamaSession(model);
    s1.step(1);
    const l1 = s1.step(2);
    const s2 = createLlamaSession(model);
    s2.step(1);
    expect(Array.from(s2.step(2))).toEqual(Array.from(l1));
  });

  it("rejects token ids outside the vocabulary and wrong shapes", async () => {
    const m = makeTinyLlamaWeights(config, 9);
    const model = await fromMap(m, "interleaved");
    expect(() => createLlamaSession(model).step(config.vocabSize)).toThrow(/outside the vocabulary/);
    m.set("norm.weight", { shape: [3], data: new Float32Array(3) });
    await expect(fromMap(m, "interleaved")).rejects.toThrow(/norm.weight has shape \[3\]/);
  });
});
