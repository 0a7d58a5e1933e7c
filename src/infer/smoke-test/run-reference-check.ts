import { loadGgufReference } from "../load-gguf-reference.js";
import { loadReferenceModel } from "../load-reference-model.js";
import { scoreContinuation } from "../score-continuation.js";
import { compareWithReference } from "./compare-with-reference.js";
import { diagnoseConversion, type ConversionFinding } from "./diagnose-conversion.js";
import type { SmokeReferenceResult } from "./types.js";

/**
 * The cross-check: the pure-TS reference forward pass on the original weights (`sourceDir`, the
 * folder the GGUF came from) or else on the GGUF's own, teacher-forced on llama.cpp's prompt and
 * generated tokens, compared position by position (compareWithReference).
 */
export async function runReferenceCheck(params: {
  /** The model folder the GGUF was converted from, if known. */
  sourceDir: string | undefined;
  /** The GGUF the engine ran. */
  gguf: string;
  promptTokens: readonly number[];
  /** The engine's generated tokens. */
  tokens: readonly number[];
  /** The engine's log-probabilities at the first positions. */
  logProbs: readonly (readonly (number | null)[])[];
  weightType: string;
  signal?: AbortSignal;
}): Promise<SmokeReferenceResult> {
  const started = performance.now();
  const { signal, tokens, logProbs, weightType } = params;
  const s = signal ? { signal } : {};
  const model = params.sourceDir
    ? await loadReferenceModel({ path: params.sourceDir, ...s })
    : await loadGgufReference({ path: params.gguf, ...s });
  const referenceLogits = scoreContinuation({
    model,
    prompt: params.promptTokens,
    continuation: tokens,
    positions: Math.min(logProbs.length, tokens.length),
    ...s,
  });
  const cmp = compareWithReference({ tokens, logProbs, referenceLogits, weightType });
  let findings: ConversionFinding[] | undefined;
  if (cmp.failure && params.sourceDir) {
    // Name the cause: compare the GGUF's own weights and settings with the source's (F32/F16/BF16/Q8_0 files).
    const gguf = await loadGgufReference({ path: params.gguf, ...s }).catch(() => undefined);
    if (gguf) findings = diagnoseConversion({ source: model, gguf });
  }
  return {
    weights: params.sourceDir ? "source" : "gguf",
    ...cmp,
    ...(findings ? { findings } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}
