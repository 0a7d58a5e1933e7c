import { describe, expect, it } from "vitest";
import { assembleTensor } from "../../../src/model/assemble-tensor.js";
import { createCaster } from "../../../src/model/create-caster.js";
import { createScratch } from "../../../src/model/create-scratch.js";
import type { LazyTensor } from "../../../src/formats/tensor.js";

/** bf16 bits → f16 bits for values exactly representable in both (hand-derived). */
const CASES: [number, number][] = [
  [0x3f80, 0x3c00], // 1.0
  [0xbf80, 0xbc00], // -1.0
  [0x4000, 0x4000], // 2.0
  [0x3f00, 0x3800], // 0.5
  [0x0000, 0x0000], // +0
  [0x8000, 0x8000], // -0
  [0x7f80, 0x7c00], // +Inf
  [0x477f, 0x7bf8], // 65280 (largest bf16 below f16 max 65504)
  [0x4780, 0x7c00], // 65536 overflows f16 → Inf
  [0x3c24, 0x2120], // 0.010009765625 = 41 · 2^-12
];

const u16bytes = (xs: number[]) => new Uint8Array(Uint16Array.from(xs).buffer);

describe("createCaster", () => {
  it("converts bf16 → f16 by table, two at a time, with an odd tail and unaligned input", () => {
    const c = createCaster();
    const src = u16bytes(CASES.map((x) => x[0]));
    expect(Array.from(new Uint16Array(c.cast(src, "BF16", "F16").buffer))).toEqual(CASES.map((x) => x[1]));
    const odd = src.subarray(0, 6); // 3 elements
    expect(Array.from(new Uint16Array(c.cast(odd, "BF16", "F16").slice().buffer))).toEqual(
      CASES.slice(0, 3).map((x) => x[1]),
    );
    const shifted = new Uint8Array(src.length + 1);
    shifted.set(src, 1);
    const dest = new Uint8Array(src.length + 1);
    c.castInto(shifted.subarray(1), "BF16", "F16", dest.subarray(1)); // both unaligned
    expect(Array.from(new Uint16Array(dest.slice(1).buffer))).toEqual(CASES.map((x) => x[1]));
  });
  it("converts f16 → bf16 and widens to f32 exactly", () => {
    const c = createCaster();
    const f16 = u16bytes([0x3c00, 0xc000, 0x3555]); // 1, -2, 0.33325195...
    expect(Array.from(new Uint16Array(c.cast(f16, "F16", "BF16").buffer))).toEqual([0x3f80, 0xc000, 0x3eab]);
    expect(Array.from(new Float32Array(c.cast(f16, "F16", "F32").slice().buffer))).toEqual([1, -2, 0.333251953125]);
    expect(c.cast(f16, "F16", "F16")).toBe(f16);
  });
  it("quantizes to Q8_0 blocks of 34 bytes", () => {
    const c = createCaster();
    const x = new Float32Array(32).map((_, i) => (i - 16) / 16); // max |x| = 1 → d = 1/127
    const q = c.cast(new Uint8Array(x.buffer), "F32", "Q8_0");
    expect(q.byteLength).toBe(34);
    const dv = new DataView(q.buffer, q.byteOffset);
    expect(dv.getInt8(2)).toBe(-127); // x[0] = -1
    expect(dv.getInt8(2 + 16)).toBe(0); // x[16] = 0
    expect(dv.getInt8(2 + 24)).toBe(64); // 0.5·127 = 63.5 → 64 (half away from zero)
  });
});

function lazy(name: string, shape: number[], values: number[]): LazyTensor {
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  return { name, dtype: "F32", shape, byteLength: bytes.byteLength, read: async () => bytes.slice() };
}

describe("assembleTensor", () => {
  it("concatenates dim-1 slices row by row and dim-0 slices in order", async () => {
    const caster = createCaster();
    const a = lazy("t", [2, 2], [1, 2, 5, 6]);
    const b = lazy("t", [2, 1], [3, 7]);
    const cat1 = await assembleTensor({ name: "t", parts: [a, b], concatDim: 1, from: "F32", to: "F32", caster });
    expect(Array.from(new Float32Array(cat1.slice().buffer))).toEqual([1, 2, 3, 5, 6, 7]);
    const cat0 = await assembleTensor({
      name: "t",
      parts: [a, lazy("t", [1, 2], [9, 10])],
      concatDim: 0,
      from: "F32",
      to: "F32",
      caster,
      scratch: createScratch(),
    });
    expect(Array.from(new Float32Array(cat0.slice().buffer))).toEqual([1, 2, 5, 6, 9, 10]);
  });
  it("moves q/k rows within heads while copying", async () => {
    // one head of 4 rows (Meta order r0 r1 r2 r3) → HF order r0 r2 r1 r3
    const t = lazy("q", [4, 1], [10, 11, 12, 13]);
    const out = await assembleTensor({
      name: "q",
      parts: [t],
      concatDim: 0,
      from: "F32",
      to: "F32",
      caster: createCaster(),
      permute: { headDim: 4, direction: "meta-to-hf" },
    });
    expect(Array.from(new Float32Array(out.slice().buffer))).toEqual([10, 12, 11, 13]);
    const back = await assembleTensor({
      name: "q",
      parts: [lazy("q", [4, 1], [10, 12, 11, 13])],
      concatDim: 0,
      from: "F32",
      to: "F32",
      caster: createCaster(),
      permute: { headDim: 4, direction: "hf-to-meta" },
    });
    expect(Array.from(new Float32Array(back.slice().buffer))).toEqual([10, 11, 12, 13]);
  });
  it("reports a slice that reads the wrong number of bytes", async () => {
    const bad: LazyTensor = { ...lazy("t", [2, 2], [1, 2, 3, 4]), read: async () => new Uint8Array(3) };
    await expect(
      assembleTensor({ name: "t", parts: [bad, bad], concatDim: 0, from: "F32", to: "F16", caster: createCaster() }),
    ).rejects.toMatchObject({ code: "TENSOR_SIZE" });
  });
});
