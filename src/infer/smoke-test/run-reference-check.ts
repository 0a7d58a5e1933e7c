import { loadGgufReference } from "../load-gguf-reference.js";
import { loadReferenceModel } from "../load-reference-model.js";
import { greedyGenerate } from "../greedy-generate.js";
import { compareWithReference } from "./compare-with-reference.js";
import type { SmokeReferenceResult } from "./types.js";

/**
 * The cross-check: the pure-TS reference forward pass on the same weights (the original folder's
 * when the input was a folder, else the GGUF's), greedy on the engine's prompt tokens.
 */
export async function runReferenceCheck(params: {
  /** The model folder the GGUF was converted from, if any. */
  sourceDir: string | undefined;
  /** The GGUF the engine ran. */
  gguf: string;
  promptTokens: readonly number[];
  /** The engine's generated tokens (the reference generates as many). */
  tokens: readonly number[];
  logProbs: readonly (readonly (number | null)[])[];
  weightType: string;
  signal?: AbortSignal;
}): Promise<SmokeReferenceResult & { passed: boolean }> {
  const started = performance.now();
  const { signal } = params;
  const s = signal ? { signal } : {};
  const model = params.sourceDir
    ? await loadReferenceModel({ path: params.sourceDir, ...s })
    : await loadGgufReference({ path: params.gguf, ...s });
  const ref = greedyGenerate({
    model,
    prompt: params.promptTokens,
    maxTokens: Math.max(1, params.tokens.length),
    ...s,
  });
  const { tokens, logProbs, weightType } = params;
  const cmp = compareWithReference({ tokens, logProbs, reference: ref, weightType });
  return { ...cmp, weights: params.sourceDir ? "source" : "gguf", seconds: (performance.now() - started) / 1000 };
}
