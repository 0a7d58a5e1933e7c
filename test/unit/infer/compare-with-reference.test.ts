import { describe, expect, it } from "vitest";
import { compareWithReference } from "../../../src/infer/smoke-test/compare-with-reference.js";

/** log-softmax of a row, as the engine reports it (log of probabilities). */
function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

const rows = [
  [0, 3, 1, 0.5], // token 1, decisive
  [2, 0, 2.01, 0], // token 2, near-tie with 0
  [0, 0, 0, 4], // token 3
];
const reference = { tokens: [1, 2, 3], stepLogits: rows.map((r) => Float64Array.from(r)) };

describe("compareWithReference", () => {
  it("same tokens, logits equal up to a constant shift: passes with a ~0 difference", () => {
    const logProbs = rows.map((r) => logSoftmax(r.map((x) => x + 7)));
    const r = compareWithReference({ tokens: [1, 2, 3], logProbs, reference, weightType: "F32" });
    expect(r).toMatchObject({ tokensMatch: true, comparedPositions: 3, passed: true });
    expect(r.maxLogitDiff).toBeLessThan(1e-12);
    expect(r.divergence).toBeUndefined();
  });

  it("a different token where the reference is decisive fails", () => {
    const r = compareWithReference({
      tokens: [2, 2, 3],
      logProbs: [logSoftmax(rows[0]!)],
      reference,
      weightType: "Q8_0",
    });
    expect(r).toMatchObject({ tokensMatch: false, passed: false, divergence: { index: 0, nearTie: false } });
  });

  it("a different token at the reference's near-tie is reported, not failed; logits after it are not compared", () => {
    const logProbs = [logSoftmax(rows[0]!), logSoftmax(rows[1]!), logSoftmax([9, 9, 9, 9])];
    const r = compareWithReference({ tokens: [1, 0, 3], logProbs, reference, weightType: "BF16" });
    expect(r).toMatchObject({ tokensMatch: false, passed: true, comparedPositions: 2 });
    expect(r.divergence).toMatchObject({ index: 1, nearTie: true });
    expect(r.divergence!.referenceMargin).toBeCloseTo(0.01, 6);
  });

  it("logits off by more than the weight type's tolerance fail even with equal tokens", () => {
    const off = logSoftmax([0, 3, 1.3, 0.5]);
    const strict = compareWithReference({ tokens: [1, 2, 3], logProbs: [off], reference, weightType: "F32" });
    expect(strict.passed).toBe(false);
    expect(strict.maxLogitDiff).toBeGreaterThan(strict.tolerance);
    // the same error is within what q8_0's rounding can explain
    expect(compareWithReference({ tokens: [1, 2, 3], logProbs: [off], reference, weightType: "Q8_0" }).passed).toBe(
      true,
    );
  });

  it("a zero probability where the reference has a real logit counts as an infinite difference", () => {
    const p = logSoftmax(rows[0]!);
    p[2] = -Infinity;
    expect(compareWithReference({ tokens: [1, 2, 3], logProbs: [p], reference, weightType: "Q8_0" }).maxLogitDiff).toBe(
      Infinity,
    );
  });
});
