import type { SmokeReferenceResult } from "./types.js";

/** Logit tolerance per unit of logit spread, by weight type: what llama.cpp's own rounding can explain. */
const TOLERANCE: Readonly<Record<string, number>> = { F32: 0.02, F16: 0.05, BF16: 0.1, Q8_0: 0.25 };

/** Entries more than this far below the top log-probability are left out (float32 probabilities underflow there). */
const WINDOW = 30;

/**
 * Compare the engine's greedy run with the reference's on the same prompt. Logits are compared as
 * log-softmax (llama.cpp returns probabilities, i.e. logits up to a constant) over the first
 * positions, while the token streams agree. A divergence at a near-tie of the reference (top-2 gap
 * within the tolerance) is reported but is not a mismatch: rounding legitimately picks either.
 */
export function compareWithReference(params: {
  /** Engine tokens after the prompt. */
  tokens: readonly number[];
  /** Engine log-probabilities for the first positions (null/-Infinity where the probability was 0). */
  logProbs: readonly (readonly (number | null)[])[];
  /** Reference tokens and logits aligned with them (greedyGenerate's `stepLogits`). */
  reference: { tokens: readonly number[]; stepLogits: readonly Float64Array[] };
  /** The GGUF's weight type (decides the tolerance). */
  weightType: string;
}): Omit<SmokeReferenceResult, "weights" | "seconds"> & { passed: boolean } {
  const { tokens, logProbs, reference, weightType } = params;
  const first = reference.stepLogits[0];
  const scale = first ? Math.max(1, stddev(first)) : 1;
  const tolerance = (TOLERANCE[weightType] ?? 1) * scale;
  const n = Math.min(tokens.length, reference.tokens.length);
  let divergence: SmokeReferenceResult["divergence"];
  for (let i = 0; i < n; i++) {
    if (tokens[i] === reference.tokens[i]) continue;
    const margin = topTwoGap(reference.stepLogits[i]!);
    divergence = { index: i, nearTie: margin <= tolerance, referenceMargin: margin };
    break;
  }
  const agreeUpTo = divergence ? divergence.index + 1 : n;
  let maxLogitDiff = 0;
  let comparedPositions = 0;
  for (let i = 0; i < Math.min(logProbs.length, agreeUpTo, reference.stepLogits.length); i++) {
    maxLogitDiff = Math.max(maxLogitDiff, logSoftmaxDiff(reference.stepLogits[i]!, logProbs[i]!));
    comparedPositions++;
  }
  const tokensMatch = tokens.length === reference.tokens.length && divergence === undefined;
  const passed = maxLogitDiff <= tolerance && (divergence === undefined || divergence.nearTie);
  const refTokens = [...reference.tokens];
  return {
    tokensMatch,
    maxLogitDiff,
    tolerance,
    comparedPositions,
    tokens: refTokens,
    ...(divergence ? { divergence } : {}),
    passed,
  };
}

function stddev(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return Math.sqrt(q / v.length);
}

function topTwoGap(v: ArrayLike<number>): number {
  let a = -Infinity;
  let b = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x > a) {
      b = a;
      a = x;
    } else if (x > b) b = x;
  }
  return a - b;
}

/** Largest |log-softmax(ref) - engine log-prob| over the entries within WINDOW of the top. */
function logSoftmaxDiff(ref: Float64Array, engine: readonly (number | null)[]): number {
  let max = -Infinity;
  for (const x of ref) max = Math.max(max, x);
  let sum = 0;
  for (const x of ref) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    if (ref[i]! < max - WINDOW) continue;
    const e = engine[i];
    const d = e === null || e === undefined || !Number.isFinite(e) ? Infinity : Math.abs(ref[i]! - lse - e);
    worst = Math.max(worst, d);
  }
  return worst;
}
