import { describe, expect, it } from "vitest";
import { applyRope } from "../../../src/infer/apply-rope.js";
import { attend } from "../../../src/infer/attend.js";
import { matVec } from "../../../src/infer/mat-vec.js";
import { rmsNorm } from "../../../src/infer/rms-norm.js";

describe("rmsNorm", () => {
  it("divides by the root mean square and scales by the weight", () => {
    // mean(9, 16) = 12.5, rms = 3.5355339; [3, 4] / rms * [1, 2]
    const out = rmsNorm(Float64Array.from([3, 4]), Float32Array.from([1, 2]), 0);
    expect(out[0]).toBeCloseTo(0.848528137, 8);
    expect(out[1]).toBeCloseTo(2.2627417, 8);
  });
  it("adds eps inside the square root", () => {
    // x = [0, 0] with eps 0.25: 0 / sqrt(0.25) = 0; x = [1, 1], eps 3: 1 / sqrt(1 + 3) = 0.5
    expect(Array.from(rmsNorm(Float64Array.from([1, 1]), Float32Array.from([1, 1]), 3))).toEqual([0.5, 0.5]);
  });
});

describe("applyRope", () => {
  const theta = 10000;
  it("leaves position 0 unchanged", () => {
    const x = Float64Array.from([1, 2, 3, 4]);
    applyRope({ x, nHeads: 1, headDim: 4, pos: 0, theta, layout: "interleaved" });
    expect(Array.from(x)).toEqual([1, 2, 3, 4]);
  });
  it("rotates adjacent pairs in the interleaved (Meta) layout", () => {
    // pair 0 = (x0, x1) turns by 1 rad; pair 1 = (x2, x3) by 1·10000^(-2/4) = 0.01 rad
    const x = Float64Array.from([1, 0, 0, 1]);
    applyRope({ x, nHeads: 1, headDim: 4, pos: 1, theta, layout: "interleaved" });
    expect(x[0]).toBeCloseTo(Math.cos(1), 12);
    expect(x[1]).toBeCloseTo(Math.sin(1), 12);
    expect(x[2]).toBeCloseTo(-Math.sin(0.01), 12);
    expect(x[3]).toBeCloseTo(Math.cos(0.01), 12);
  });
  it("rotates (i, i + hd/2) pairs in the half-split (HF) layout", () => {
    // pair 0 = (x0, x2) by 1 rad; pair 1 = (x1, x3) by 0.01 rad
    const x = Float64Array.from([1, 0, 0, 1]);
    applyRope({ x, nHeads: 1, headDim: 4, pos: 1, theta, layout: "half-split" });
    expect(x[0]).toBeCloseTo(Math.cos(1), 12);
    expect(x[2]).toBeCloseTo(Math.sin(1), 12);
    expect(x[1]).toBeCloseTo(-Math.sin(0.01), 12);
    expect(x[3]).toBeCloseTo(Math.cos(0.01), 12);
  });
  it("rotates every head the same way and keeps norms", () => {
    const x = Float64Array.from([1, 0, 0, 1, 1, 0, 0, 1]);
    applyRope({ x, nHeads: 2, headDim: 4, pos: 3, theta: 100, layout: "interleaved" });
    expect(Array.from(x.subarray(0, 4))).toEqual(Array.from(x.subarray(4, 8)));
    expect(Math.hypot(x[0]!, x[1]!)).toBeCloseTo(1, 12);
    expect(x[0]).toBeCloseTo(Math.cos(3), 12);
    expect(x[2]).toBeCloseTo(-Math.sin(3 * 0.1), 12); // 100^(-1/2) = 0.1
  });
});

describe("attend", () => {
  it("returns the value vector when one position is cached", () => {
    const v = Float64Array.from([0.5, -2, 7]);
    const out = attend({ q: Float64Array.from([1, 2, 3]), keys: [Float64Array.from([9, 9, 9])], values: [v] });
    expect(Array.from(out)).toEqual([0.5, -2, 7]);
  });
  it("weights values by softmax(q·k/√d)", () => {
    // d = 4, scale 1/2: scores [0, ln 3] → weights [1/4, 3/4]
    const ln3 = Math.log(3);
    const out = attend({
      q: Float64Array.from([2 * ln3, 0, 0, 0]),
      keys: [Float64Array.from([0, 0, 0, 0]), Float64Array.from([1, 0, 0, 0])],
      values: [Float64Array.from([4, 0, 0, 0]), Float64Array.from([0, 8, 0, 0])],
    });
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(6, 12);
  });
});

describe("matVec", () => {
  it("multiplies row-major (out, in) matrices", () => {
    const out = matVec(
      { rows: 2, cols: 3, data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      Float64Array.from([1, 0, -1]),
    );
    expect(Array.from(out)).toEqual([-2, -2]);
  });
});
