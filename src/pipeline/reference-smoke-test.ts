import { openSourceModel } from "../model/open-source-model.js";
import { LlamagateError } from "../core/errors.js";
import { decodeSentencePiece, encodeSentencePiece, readSentencePiece } from "../formats/sentencepiece/index.js";
import { greedyGenerate } from "../infer/greedy-generate.js";
import { loadGgufReference } from "../infer/load-gguf-reference.js";
import { loadSourceReference } from "../infer/load-source-reference.js";
import type { SmokeStageEvent, SmokeStageParams, SmokeStageResult } from "./smoke-stage.js";

/**
 * A smoke test on the CPU with the pure-TS reference forward pass alone: greedy tokens from the GGUF,
 * cross-checked against the same forward pass on the original weights (tokens equal, largest logit
 * difference). For small models only (the reference is not fast); the pipeline's default until the
 * node-llama-cpp smoke test is wired in.
 */
export async function* referenceSmokeTest(p: SmokeStageParams): AsyncGenerator<SmokeStageEvent, SmokeStageResult> {
  if (!p.sourceDir) {
    throw new LlamagateError(
      "SMOKE_NO_SOURCE",
      "smoke-test",
      `The reference smoke test of ${p.path} needs the weights it was converted from.`,
    );
  }
  yield { type: "smoke-phase", phase: "load" };
  const t0 = performance.now();
  const source = await openSourceModel({ dir: p.sourceDir, ...(p.signal ? { signal: p.signal } : {}) });
  let original;
  let tokenizerPath: string | undefined;
  let bos = 1;
  let eos = 2;
  try {
    original = await loadSourceReference({ source, ...(p.signal ? { signal: p.signal } : {}) });
    tokenizerPath = source.tokenizerPath;
    bos = source.bosTokenId;
    eos = source.eosTokenId;
  } finally {
    await source.close();
  }
  const converted = await loadGgufReference({ path: p.path, ...(p.signal ? { signal: p.signal } : {}) });
  const loadSeconds = (performance.now() - t0) / 1000;
  const sp = tokenizerPath ? await readSentencePiece({ path: tokenizerPath }) : undefined;
  const prompt = p.prompt ?? "Hello";
  const ids = sp && prompt ? encodeSentencePiece(sp, prompt, { addBos: true }).map((t) => t.id) : [bos];
  const maxTokens = p.maxTokens ?? 8;

  yield { type: "smoke-phase", phase: "generate" };
  const t1 = performance.now();
  const run = greedyGenerate({
    model: converted,
    prompt: ids,
    maxTokens,
    stopToken: eos,
    ...(p.signal ? { signal: p.signal } : {}),
  });
  const genSeconds = (performance.now() - t1) / 1000;
  const text = sp ? decodeSentencePiece(sp, run.tokens) : run.tokens.join(" ");
  for (const [i, t] of run.tokens.entries())
    yield { type: "smoke-token", index: i, text: sp ? decodeSentencePiece(sp, [t]) : String(t) };

  yield { type: "smoke-phase", phase: "reference" };
  const ref = greedyGenerate({
    model: original,
    prompt: ids,
    maxTokens,
    stopToken: eos,
    ...(p.signal ? { signal: p.signal } : {}),
  });
  let maxLogitDiff = 0;
  const steps = Math.min(run.stepLogits.length, ref.stepLogits.length);
  for (let s = 0; s < steps; s++) {
    const a = run.stepLogits[s]!;
    const b = ref.stepLogits[s]!;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      if (!Number.isFinite(a[i]!))
        throw new LlamagateError("SMOKE_NAN", "smoke-test", `${p.path} produced a non-finite logit.`);
      if (d > maxLogitDiff) maxLogitDiff = d;
    }
  }
  const tokensMatch = run.tokens.length === ref.tokens.length && run.tokens.every((t, i) => t === ref.tokens[i]);
  if (!tokensMatch) {
    throw new LlamagateError(
      "SMOKE_REFERENCE_MISMATCH",
      "smoke-test",
      `${p.path} does not generate what the original weights do (largest logit difference ${maxLogitDiff.toPrecision(3)}).`,
      {
        hint: "Convert again from the verified download; if it persists, report it with the model name.",
        details: { converted: run.tokens, original: ref.tokens, maxLogitDiff },
      },
    );
  }
  if (run.tokens.length === 0) throw new LlamagateError("SMOKE_EMPTY", "smoke-test", `${p.path} generated nothing.`);
  return {
    backend: "reference",
    device: "cpu",
    promptTokens: ids,
    tokens: run.tokens,
    text,
    loadSeconds,
    firstTokenSeconds: run.tokens.length ? genSeconds / run.tokens.length : 0,
    tokensPerSecond: genSeconds > 0 ? run.tokens.length / genSeconds : 0,
    reference: { tokensMatch, maxLogitDiff },
  };
}
