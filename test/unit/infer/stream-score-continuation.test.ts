import { describe, expect, it } from "vitest";
import { buildReferenceModel } from "../../../src/infer/build-reference-model.js";
import type { ReferenceWeights } from "../../../src/infer/reference-weights.js";
import { scoreContinuation } from "../../../src/infer/score-continuation.js";
import { streamScoreContinuation } from "../../../src/infer/stream-score-continuation.js";
import type { LlamaConfig } from "../../../src/infer/types.js";
import { permuteQk } from "../../../src/model/permute-qk.js";
import { makeTinyLlamaWeights, TINY_SPEC, type F32Tensor } from "../../helpers/tiny-llama-model.js";

const PROMPT = [1, 17, 42, 5, 9];
const CONT = [33, 2, 71, 8, 60, 14];

function weights(config: LlamaConfig, m: Map<string, F32Tensor>, layout: "interleaved" | "half-split" = "interleaved") {
  const reads: string[] = [];
  const w: ReferenceWeights = {
    config,
    ropeLayout: layout,
    get: async (n) => {
      reads.push(n);
      return m.get(n);
    },
  };
  return { w, reads };
}

async function expectSameAsSession(w: ReferenceWeights) {
  const streamed = await streamScoreContinuation({ weights: w, prompt: PROMPT, continuation: CONT, positions: 5 });
  if (!Array.isArray(streamed)) throw new Error("stopped");
  const model = await buildReferenceModel(w);
  const stepped = scoreContinuation({ model, prompt: PROMPT, continuation: CONT, positions: 5 });
  expect(streamed).toHaveLength(5);
  for (let i = 0; i < 5; i++) {
    const a = streamed[i]!;
    const b = stepped[i]!;
    for (let v = 0; v < a.length; v++) expect(Math.abs(a[v]! - b[v]!)).toBeLessThan(1e-9);
  }
}

describe("streamScoreContinuation: layer by layer, the same logits as the token-by-token reference", () => {
  it("Meta layout with grouped-query attention", async () => {
    await expectSameAsSession(weights(TINY_SPEC, makeTinyLlamaWeights(TINY_SPEC, 3)).w);
  });

  it("Hugging Face half-split q/k, and tied embeddings", async () => {
    const config = { ...TINY_SPEC, tieWordEmbeddings: true };
    const m = makeTinyLlamaWeights(config, 4);
    const hd = config.dim / config.nHeads;
    for (const [n, t] of m) {
      if (!/attention\.w[qk]\.weight$/.test(n)) continue;
      const rowBytes = t.shape[1]! * 4;
      const bytes = permuteQk({ data: new Uint8Array(t.data.buffer), rowBytes, headDim: hd, direction: "meta-to-hf" });
      m.set(n, { shape: t.shape, data: new Float32Array(bytes.buffer, bytes.byteOffset, t.data.length) });
    }
    await expectSameAsSession(weights(config, m, "half-split").w);
  });

  it("Llama 3 RoPE: scaling from the config, or a GGUF's rope_freqs divisors", async () => {
    const scaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 16 };
    const scaled = { ...TINY_SPEC, ropeTheta: 500000, ropeScaling: scaling };
    await expectSameAsSession(weights(scaled, makeTinyLlamaWeights(scaled, 5)).w);
    const m = makeTinyLlamaWeights(TINY_SPEC, 6);
    const half = TINY_SPEC.dim / TINY_SPEC.nHeads / 2;
    m.set("rope_freqs.weight", { shape: [half], data: Float32Array.from({ length: half }, (_, i) => 1 + i) });
    await expectSameAsSession(weights(TINY_SPEC, m).w);
  });

  it("reads one layer's tensors at a time, in order; a passed deadline stops before the next layer", async () => {
    const { w, reads } = weights(TINY_SPEC, makeTinyLlamaWeights(TINY_SPEC, 7));
    await streamScoreContinuation({ weights: w, prompt: PROMPT, continuation: CONT, positions: 2 });
    const layerOf = reads
      .map((n) => /^layers\.(\d+)\./.exec(n)?.[1])
      .filter((x) => x !== undefined)
      .map(Number);
    expect(layerOf).toEqual([...layerOf].sort((a, b) => a - b));
    expect(reads.filter((n) => n.startsWith("layers.0."))).toHaveLength(9);
    const stopped = await streamScoreContinuation({
      weights: w,
      prompt: PROMPT,
      continuation: CONT,
      positions: 2,
      deadline: 0,
    });
    expect(stopped).toEqual({ stopped: true, layersDone: 0, layers: TINY_SPEC.nLayers });
  });
});
