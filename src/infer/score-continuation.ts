import { createLlamaSession } from "./llama-session.js";
import type { ReferenceModel } from "./types.js";

/**
 * Teacher forcing: run the reference over `prompt` then `continuation` and return the next-token
 * logits at the first `positions` positions after the prompt (logits[i] predicts continuation[i]),
 * the way llama.cpp's perplexity tool scores a fixed token sequence.
 */
export function scoreContinuation(params: {
  model: ReferenceModel;
  /** Prompt token ids (with BOS if the model uses one). Must not be empty. */
  prompt: readonly number[];
  /** The tokens that followed the prompt (another engine's output). */
  continuation: readonly number[];
  /** How many positions to score (at most continuation.length). */
  positions: number;
  signal?: AbortSignal;
}): Float64Array[] {
  const { model, prompt, continuation, signal } = params;
  if (prompt.length === 0) throw new RangeError("scoreContinuation needs at least one prompt token");
  const positions = Math.min(params.positions, continuation.length);
  const session = createLlamaSession(model);
  let logits: Float64Array = new Float64Array(0);
  for (const t of prompt) {
    signal?.throwIfAborted();
    logits = session.step(t);
  }
  const out: Float64Array[] = [];
  for (let i = 0; i < positions; i++) {
    out.push(logits);
    if (i === positions - 1) break;
    signal?.throwIfAborted();
    logits = session.step(continuation[i]!);
  }
  return out;
}
