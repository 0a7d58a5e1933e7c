import { describe, expect, it } from "vitest";
import { compareWithReference } from "../../../src/infer/smoke-test/compare-with-reference.js";

/** log-softmax of a row, as the engine reports it (log of probabilities). */
function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

/** KL(p || q) of two logit rows, computed independently. */
function kl(p: number[], q: number[]): number {
  const lp = logSoftmax(p);
  const lq = logSoftmax(q);
  return lp.reduce((s, x, i) => s + Math.exp(x) * (x - lq[i]!), 0);
}

const rows = [
  [0, 3, 1, 0.5], // token 1, decisive
  [2, 0, 2.01, 0], // token 2, near-tie with 0
  [0, 0, 0, 4], // token 3
];
const referenceLogits = rows.map((r) => Float64Array.from(r));
const tokens = [1, 2, 3];

describe("compareWithReference (llama.cpp perplexity's --kl-divergence statistics)", () => {
  it("the same distributions up to a constant shift: KL 0, every top token agrees, perplexity ratio 1, passes", () => {
    const logProbs = rows.map((r) => logSoftmax(r.map((x) => x + 7)));
    const r = compareWithReference({ tokens, logProbs, referenceLogits, weightType: "F32" });
    expect(r).toMatchObject({ tokensMatch: true, comparedPositions: 3, topTokenAgreement: 1, tokens: [1, 2, 3] });
    expect(r.klMean).toBeLessThan(1e-12);
    expect(r.klMax).toBeLessThan(1e-12);
    expect(r.perplexityRatio).toBeCloseTo(1, 12);
    expect(r.failure).toBeUndefined();
  });

  it("KL is computed over the whole vocabulary as KL(reference || engine); mean, max and its position", () => {
    const eng = [
      [0, 3, 1, 0.5],
      [2, 0, 2.2, 0],
      [0, 0.5, 0, 4],
    ];
    const r = compareWithReference({ tokens, logProbs: eng.map(logSoftmax), referenceLogits, weightType: "Q8_0" });
    const expected = rows.map((p, i) => kl(p, eng[i]!));
    expect(r.klMean).toBeCloseTo((expected[0]! + expected[1]! + expected[2]!) / 3, 12);
    expect(r.klMax).toBeCloseTo(Math.max(...expected), 12);
    expect(r.klMaxPosition).toBe(expected.indexOf(Math.max(...expected)));
  });

  it("the perplexity of the compared tokens under each model, and their ratio", () => {
    const eng = rows.map((row) => logSoftmax(row.map((x, i) => (i === 0 ? x + 0.3 : x))));
    const r = compareWithReference({ tokens, logProbs: eng, referenceLogits, weightType: "BF16" });
    const ref = rows.map(logSoftmax);
    const ppl = (lp: number[][]) => Math.exp(-tokens.reduce((s, t, i) => s + lp[i]![t]!, 0) / tokens.length);
    expect(r.perplexityReference).toBeCloseTo(ppl(ref), 12);
    expect(r.perplexityEngine).toBeCloseTo(ppl(eng), 12);
    expect(r.perplexityRatio).toBeCloseTo(ppl(eng) / ppl(ref), 12);
  });

  it("a different top token at a near-tie costs almost no KL and passes; it is counted in topTokenAgreement", () => {
    const eng = [rows[0]!, [2.02, 0, 2.0, 0], rows[2]!].map(logSoftmax);
    const r = compareWithReference({ tokens: [1, 0, 3], logProbs: eng, referenceLogits, weightType: "BF16" });
    expect(r.topTokenAgreement).toBeCloseTo(2 / 3, 12);
    expect(r.tokensMatch).toBe(false);
    expect(r.klMax).toBeLessThan(1e-3);
    expect(r.failure).toBeUndefined();
  });

  it("a wrong distribution where the reference is decisive fails on klMax, naming the position and the range", () => {
    const eng = [rows[0]!, rows[1]!, [4, 0, 0, 0]].map(logSoftmax);
    const r = compareWithReference({ tokens: [1, 2, 0], logProbs: eng, referenceLogits, weightType: "Q8_0" });
    expect(r.failure).toMatchObject({ measure: "klMax", position: 2, limit: 0.25 });
    expect(r.failure!.message).toMatch(
      /KL divergence [\d.]+ at generated position 2 is above the Q8_0 range \(at most 0\.250 at any position\)/,
    );
  });

  it("the same small error passes for q8_0 and fails for f32 (limits per weight type)", () => {
    const eng = rows.map((row) => logSoftmax(row.map((x, i) => x + [0.25, -0.25, 0.1, -0.1][i]!)));
    const f32 = compareWithReference({ tokens, logProbs: eng, referenceLogits, weightType: "F32" });
    expect(f32.failure?.measure).toMatch(/^kl(Max|Mean)$/);
    const q8 = compareWithReference({ tokens, logProbs: eng, referenceLogits, weightType: "Q8_0" });
    expect(q8.failure).toBeUndefined();
    expect(q8.limits.measured).toBe(true);
  });

  it("top tokens that differ where the reference is decisive fail on topTokenAgreement when KL alone stays in range", async () => {
    // lenient type: KL limits far away; the engine prefers a token the reference puts 0.6 nats lower, everywhere
    const ref = [
      [0.6, 0, -9, -9],
      [0, 0.6, -9, -9],
      [0.6, 0, -9, -9],
    ];
    const eng = [
      [0, 0.6, -9, -9],
      [0.6, 0, -9, -9],
      [0, 0.6, -9, -9],
    ];
    const r = compareWithReference({
      tokens: [1, 0, 1],
      logProbs: eng.map(logSoftmax),
      referenceLogits: ref.map((x) => Float64Array.from(x)),
      weightType: "Q4_K",
    });
    expect(r.topTokenAgreement).toBe(0);
    expect(r.failure).toMatchObject({ measure: "topTokenAgreement", position: 0 });
    expect(r.failure!.message).toMatch(/differs at 3 of 3 positions where the reference is decisive/);
  });

  it("weight types without measurements get lenient limits and say so", () => {
    const r = compareWithReference({ tokens, logProbs: rows.map(logSoftmax), referenceLogits, weightType: "Q4_K" });
    expect(r.limits).toMatchObject({ measured: false, klMax: 5 });
  });

  it("a zero probability where the reference has real mass is a huge KL, not NaN", () => {
    const p = logSoftmax(rows[0]!);
    p[2] = -Infinity;
    const r = compareWithReference({ tokens: [1], logProbs: [p], referenceLogits, weightType: "Q8_0" });
    expect(Number.isFinite(r.klMax)).toBe(true);
    expect(r.klMax).toBeGreaterThan(5);
    expect(r.failure?.measure).toBe("klMax");
  });
});
