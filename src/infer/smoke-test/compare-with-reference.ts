import { klLimitsFor } from "./kl-limits.js";
import type { SmokeReferenceResult } from "./types.js";

/**
 * A different top token counts against the file only where the reference preferred its own by more
 * than this (nats, a 1.65x probability ratio): rounding legitimately flips near-ties.
 */
const DECISIVE_GAP = 0.5;

/** log of the smallest positive float32: an engine probability that underflowed to 0 counts as this. */
const LOG_FLOAT32_MIN = Math.log(1.401298464324817e-45);

/**
 * Compare the engine's next-token distributions with the reference's at the same positions (the
 * reference is teacher-forced on the engine's tokens), with the statistics llama.cpp's perplexity
 * tool reports for quantized models (`--kl-divergence`): KL(reference || engine) per position over
 * the whole vocabulary (mean, max), how often both put the same token on top, and the perplexity of
 * the compared tokens under each. The verdict is judged against the weight type's limits
 * (kl-limits.ts); `failure` names the measure, the position and the range that was expected.
 */
export function compareWithReference(params: {
  /** Engine tokens after the prompt: tokens[i] is what the engine picked at position i. */
  tokens: readonly number[];
  /** Engine log-probabilities per compared position (null/-Infinity where the probability was 0). */
  logProbs: readonly (readonly (number | null)[])[];
  /** Reference logits at the same positions (teacher-forced on the engine's tokens). */
  referenceLogits: readonly Float64Array[];
  /** The GGUF's weight type (decides the limits). */
  weightType: string;
}): Omit<SmokeReferenceResult, "weights" | "seconds"> {
  const { tokens, logProbs, referenceLogits, weightType } = params;
  const limits = klLimitsFor(weightType);
  const n = Math.min(logProbs.length, referenceLogits.length, tokens.length);
  const kl: number[] = [];
  const referenceTokens: number[] = [];
  let agree = 0;
  const decisive: { position: number; gap: number }[] = [];
  let nllRef = 0;
  let nllEngine = 0;
  for (let i = 0; i < n; i++) {
    const ref = logSoftmax(referenceLogits[i]!);
    const eng = logProbs[i]!;
    let d = 0;
    for (let v = 0; v < ref.length; v++) {
      const p = Math.exp(ref[v]!);
      if (p === 0) continue;
      d += p * (ref[v]! - engineLog(eng[v]));
    }
    kl.push(Math.max(0, d));
    const refTop = argmax(ref);
    referenceTokens.push(refTop);
    const engTop = argmaxNullable(eng);
    if (refTop === engTop) agree++;
    else {
      const gap = ref[refTop]! - (ref[engTop] ?? -Infinity);
      if (gap > DECISIVE_GAP) decisive.push({ position: i, gap });
    }
    nllRef -= ref[tokens[i]!] ?? LOG_FLOAT32_MIN;
    nllEngine -= engineLog(eng[tokens[i]!]);
  }
  const klMean = n ? kl.reduce((a, b) => a + b, 0) / n : 0;
  let klMaxPosition = 0;
  for (let i = 1; i < n; i++) if (kl[i]! > kl[klMaxPosition]!) klMaxPosition = i;
  const klMax = n ? kl[klMaxPosition]! : 0;
  const topTokenAgreement = n ? agree / n : 1;
  const perplexityReference = n ? Math.exp(nllRef / n) : 1;
  const perplexityEngine = n ? Math.exp(nllEngine / n) : 1;
  const lnPplRatio = n ? (nllEngine - nllRef) / n : 0;
  const firstDisagreement = referenceTokens.findIndex((t, i) => t !== argmaxNullable(logProbs[i]!));
  const decisiveAgreement = n ? 1 - decisive.length / n : 1;
  const fmt = (x: number) => (x === 0 ? "0" : x < 1e-3 || x >= 1e3 ? x.toExponential(2) : x.toPrecision(3));
  let failure: SmokeReferenceResult["failure"];
  if (klMax > limits.klMax) {
    failure = {
      measure: "klMax",
      position: klMaxPosition,
      value: klMax,
      limit: limits.klMax,
      message: `KL divergence ${fmt(klMax)} at generated position ${klMaxPosition} is above the ${weightType} range (at most ${fmt(limits.klMax)} at any position)`,
    };
  } else if (klMean > limits.klMean) {
    failure = {
      measure: "klMean",
      position: klMaxPosition,
      value: klMean,
      limit: limits.klMean,
      message: `mean KL divergence ${fmt(klMean)} over ${n} positions (worst: ${fmt(klMax)} at position ${klMaxPosition}) is above the ${weightType} range (at most ${fmt(limits.klMean)})`,
    };
  } else if (decisiveAgreement < limits.topTokenAgreement) {
    const first = decisive[0]!;
    failure = {
      measure: "topTokenAgreement",
      position: first.position,
      value: topTokenAgreement,
      limit: limits.topTokenAgreement,
      message: `the top token differs at ${decisive.length} of ${n} positions where the reference is decisive (first at position ${first.position}, where the reference prefers its own by ${first.gap.toFixed(2)} nats); ${weightType} agrees at ${Math.round(limits.topTokenAgreement * 100)}% or more`,
    };
  } else if (Math.abs(lnPplRatio) > limits.lnPerplexityRatio) {
    failure = {
      measure: "perplexityRatio",
      position: klMaxPosition,
      value: Math.exp(lnPplRatio),
      limit: Math.exp(limits.lnPerplexityRatio),
      message: `the perplexity of the compared tokens is ${fmt(perplexityEngine)} in llama.cpp and ${fmt(perplexityReference)} in the reference (ratio ${fmt(Math.exp(lnPplRatio))}; ${weightType} stays within ${fmt(Math.exp(-limits.lnPerplexityRatio))}..${fmt(Math.exp(limits.lnPerplexityRatio))})`,
    };
  }
  return {
    klMean,
    klMax,
    klMaxPosition,
    topTokenAgreement,
    perplexityReference,
    perplexityEngine,
    perplexityRatio: Math.exp(lnPplRatio),
    comparedPositions: n,
    tokensMatch: firstDisagreement === -1,
    tokens: referenceTokens,
    limits: { ...limits },
    ...(failure ? { failure } : {}),
  };
}

function engineLog(x: number | null | undefined): number {
  return x === null || x === undefined || !Number.isFinite(x) ? LOG_FLOAT32_MIN : Math.max(x, LOG_FLOAT32_MIN);
}

function logSoftmax(v: Float64Array): Float64Array {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  let sum = 0;
  for (const x of v) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return v.map((x) => x - lse);
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

function argmaxNullable(v: readonly (number | null)[]): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== null && x !== undefined && x > bestValue) {
      best = i;
      bestValue = x;
    }
  }
  return best;
}
