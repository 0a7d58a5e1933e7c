import { createLlamaSession } from "./llama-session.js";
import type { ReferenceModel } from "./types.js";

export interface GreedyGenerateParams {
  model: ReferenceModel;
  /** Prompt token ids (include BOS yourself if the model expects it). Must not be empty. */
  prompt: readonly number[];
  /** How many tokens to generate after the prompt. */
  maxTokens: number;
  /** Stop early after generating this token (e.g. EOS). */
  stopToken?: number;
  signal?: AbortSignal;
}

export interface GreedyGenerateResult {
  /** Generated ids (not including the prompt). */
  tokens: number[];
  /** Logits that followed the prompt's last token (what picked tokens[0]). */
  promptLogits: Float64Array;
  /** Logits at every generation step, aligned with `tokens`. */
  stepLogits: Float64Array[];
}

/** Greedy (argmax) decoding with the reference forward pass. */
export function greedyGenerate(params: GreedyGenerateParams): GreedyGenerateResult {
  const { model, prompt, maxTokens, stopToken, signal } = params;
  if (prompt.length === 0) throw new RangeError("greedyGenerate needs at least one prompt token");
  const session = createLlamaSession(model);
  let logits: Float64Array = new Float64Array(0);
  for (const t of prompt) {
    signal?.throwIfAborted();
    logits = session.step(t);
  }
  const promptLogits = logits;
  const tokens: number[] = [];
  const stepLogits: Float64Array[] = [];
  for (let i = 0; i < maxTokens; i++) {
    signal?.throwIfAborted();
    const next = argmax(logits);
    tokens.push(next);
    stepLogits.push(logits);
    if (next === stopToken || i === maxTokens - 1) break;
    logits = session.step(next);
  }
  return { tokens, promptLogits, stepLogits };
}

/** Index of the largest value (first one on ties). */
function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
