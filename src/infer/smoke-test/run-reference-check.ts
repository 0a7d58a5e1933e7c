import { openGguf } from "../../formats/gguf/index.js";
import { openSourceModel } from "../../model/open-source-model.js";
import { ggufReferenceWeights } from "../gguf-reference-weights.js";
import { loadGgufReference } from "../load-gguf-reference.js";
import { loadReferenceModel } from "../load-reference-model.js";
import { sourceReferenceWeights } from "../source-reference-weights.js";
import { streamScoreContinuation } from "../stream-score-continuation.js";
import { compareWithReference } from "./compare-with-reference.js";
import { diagnoseConversion, type ConversionFinding } from "./diagnose-conversion.js";
import type { SmokeReferenceResult } from "./types.js";

/** Below this many parameters a failed check also compares the GGUF's weights with the source's (both in memory). */
const DIAGNOSE_MAX_PARAMETERS = 200e6;

/**
 * The cross-check: the pure-TS reference forward pass on the original weights (`sourceDir`, the
 * folder the GGUF came from) or else on the GGUF's own, streamed layer by layer and teacher-forced on
 * llama.cpp's prompt and generated tokens, compared position by position (compareWithReference).
 * Returns `{ stopped }` instead when `deadline` passed before the last layer.
 */
export async function runReferenceCheck(params: {
  /** The model folder the GGUF was converted from, if known. */
  sourceDir: string | undefined;
  /** The GGUF the engine ran. */
  gguf: string;
  /** Parameters of the model (decides whether a failure is diagnosed tensor by tensor). */
  parameters: number;
  promptTokens: readonly number[];
  /** The engine's generated tokens. */
  tokens: readonly number[];
  /** The engine's log-probabilities at the first positions. */
  logProbs: readonly (readonly (number | null)[])[];
  weightType: string;
  /** performance.now() time after which the run stops (between layers). */
  deadline?: number;
  signal?: AbortSignal;
}): Promise<SmokeReferenceResult | { stopped: { layersDone: number; layers: number; seconds: number } }> {
  const started = performance.now();
  const { signal, tokens, logProbs, weightType, sourceDir } = params;
  const s = signal ? { signal } : {};
  const opened = sourceDir
    ? await openSourceModel({ dir: sourceDir, ...s }).then((source) => ({
        weights: sourceReferenceWeights({ source, ...s }),
        close: () => source.close(),
      }))
    : await openGguf({ path: params.gguf, ...s }).then((file) => {
        try {
          return { weights: ggufReferenceWeights({ file, path: params.gguf, ...s }), close: () => file.close() };
        } catch (e) {
          void file.close();
          throw e;
        }
      });
  let referenceLogits: Float64Array[];
  try {
    const r = await streamScoreContinuation({
      weights: opened.weights,
      prompt: params.promptTokens,
      continuation: tokens,
      positions: Math.min(logProbs.length, tokens.length),
      ...(params.deadline !== undefined ? { deadline: params.deadline } : {}),
      ...s,
    });
    if (!Array.isArray(r)) {
      const seconds = (performance.now() - started) / 1000;
      return { stopped: { layersDone: r.layersDone, layers: r.layers, seconds } };
    }
    referenceLogits = r;
  } finally {
    await opened.close();
  }
  const cmp = compareWithReference({ tokens, logProbs, referenceLogits, weightType });
  let findings: ConversionFinding[] | undefined;
  if (cmp.failure && sourceDir && params.parameters < DIAGNOSE_MAX_PARAMETERS) {
    // Name the cause: compare the GGUF's own weights and settings with the source's (F32/F16/BF16/Q8_0 files).
    const gguf = await loadGgufReference({ path: params.gguf, ...s }).catch(() => undefined);
    if (gguf) findings = diagnoseConversion({ source: await loadReferenceModel({ path: sourceDir, ...s }), gguf });
  }
  return {
    weights: sourceDir ? "source" : "gguf",
    ...cmp,
    ...(findings ? { findings } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}
