/** The largest differences a correct file of one weight type shows against the f32 reference. */
export interface KlLimits {
  /** Mean KL(reference || llama.cpp) over the compared positions, in nats. */
  klMean: number;
  /** KL at any one position, in nats. */
  klMax: number;
  /** Smallest share of positions where both put the same token on top. */
  topTokenAgreement: number;
  /** Largest |ln(perplexity llama.cpp / perplexity reference)| over the compared tokens. */
  lnPerplexityRatio: number;
}

/**
 * Limits per weight type. llama.cpp's published tables (tools/perplexity/README.md, LLaMA 2 7B and
 * LLaMA 3 8B against FP16 on wikitext-2) put q8_0 at a mean KLD of ~0.0004-0.001 with 99% of
 * positions under ~0.01 and ~98-99% same top token; f16/bf16 are closer still. Over only 8
 * positions the mean is swayed by one tail position, so the limits sit one to two orders of
 * magnitude above both those numbers and what correct files measure here (docs/smoke-test.md lists
 * the measurements), and below what wrong conversions measured (a max KL of 0.3 to 3 nats): a file
 * is called wrong only on clear evidence.
 */
const LIMITS: Readonly<Record<string, KlLimits>> = {
  F32: { klMean: 0.002, klMax: 0.02, topTokenAgreement: 0.75, lnPerplexityRatio: 0.05 },
  F16: { klMean: 0.005, klMax: 0.05, topTokenAgreement: 0.75, lnPerplexityRatio: 0.05 },
  BF16: { klMean: 0.015, klMax: 0.1, topTokenAgreement: 0.75, lnPerplexityRatio: 0.1 },
  Q8_0: { klMean: 0.03, klMax: 0.25, topTokenAgreement: 0.75, lnPerplexityRatio: 0.1 },
};

/** Types with no table of their own (k-quants, i-quants): lenient, only gross disagreement fails. */
const LENIENT: KlLimits = { klMean: 0.5, klMax: 5, topTokenAgreement: 0.4, lnPerplexityRatio: 1 };

/** The limits for a ggml weight type (lenient for types without measurements). */
export function klLimitsFor(weightType: string): KlLimits & { measured: boolean } {
  const l = LIMITS[weightType.toUpperCase()];
  return l ? { ...l, measured: true } : { ...LENIENT, measured: false };
}
