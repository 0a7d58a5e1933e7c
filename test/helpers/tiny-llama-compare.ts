import { greedyGenerate } from "../../src/infer/greedy-generate.js";
import type { ReferenceModel } from "../../src/infer/types.js";

/** Largest |a - b| over all logits, divided by the largest |a| (a "relative to the logit scale" error). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return diff / scale;
}

/** Run both models greedily on the same prompt; report token sequences and the worst logit error. */
export function compareModels(a: ReferenceModel, b: ReferenceModel, prompt: number[], maxTokens = 8) {
  const ra = greedyGenerate({ model: a, prompt, maxTokens });
  const rb = greedyGenerate({ model: b, prompt, maxTokens });
  let worst = maxRelativeError(ra.promptLogits, rb.promptLogits);
  // compare step logits only while the token streams agree (same inputs)
  for (let i = 0; i < Math.min(ra.stepLogits.length, rb.stepLogits.length); i++) {
    worst = Math.max(worst, maxRelativeError(ra.stepLogits[i]!, rb.stepLogits[i]!));
    if (ra.tokens[i] !== rb.tokens[i]) break;
  }
  return { tokensA: ra.tokens, tokensB: rb.tokens, worst };
}
