import { describe, expect, it } from "vitest";
import { dequantizeQ8_0, fromFloat32, quantizeQ8_0, toFloat32 } from "../../../src/formats/dtype/index.js";

const u16 = (bytes: Uint8Array) => Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
const fromBits = (bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);
const le16 = (vals: number[]) => new Uint8Array(new Uint16Array(vals).buffer);

describe("f16", () => {
  it("encodes known bit patterns", () => {
    const x = new Float32Array([
      1,
      -2,
      65504,
      65520,
      2 ** -24,
      2 ** -14,
      2 ** -25,
      1.5 * 2 ** -25,
      0.1,
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      -0,
      Infinity,
      -Infinity,
      1e10,
    ]);
    expect(u16(fromFloat32(x, "F16"))).toEqual([
      0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0001, 0x0400, 0x0000, 0x0001, 0x2e66, 0x3c00, 0x3c02, 0x8000, 0x7c00, 0xfc00,
      0x7c00,
    ]);
  });
  it("keeps NaN a NaN", () => {
    const out = u16(fromFloat32(fromBits([0x7fc00000, 0x7f800001, 0xffc00000]), "F16"));
    for (const h of out) expect((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0).toBe(true);
    expect(out[0]).toBe(0x7e00);
    expect(Number.isNaN(toFloat32(le16([0x7e00]), "F16")[0])).toBe(true);
  });
  it("decodes subnormals, zeros and infinities", () => {
    const f = toFloat32(le16([0x0001, 0x03ff, 0x8400, 0x8000, 0x7c00, 0x3555]), "F16");
    expect(Array.from(f)).toEqual([2 ** -24, 1023 * 2 ** -24, -(2 ** -14), -0, Infinity, 0.333251953125]);
    expect(Object.is(f[3], -0)).toBe(true);
  });
  it("round-trips every finite f16 and rounds midpoints to even", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f = toFloat32(new Uint8Array(all.buffer), "F16");
    const back = new Uint16Array(fromFloat32(f, "F16").buffer);
    const mids: number[] = [];
    const want: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (!isNaN) expect(back[h]).toBe(h);
      // midpoint between h and h+1 (same sign, both finite): exactly representable in f32
      if ((h & 0x7fff) < 0x7bff) {
        mids.push((f[h]! + f[h + 1]!) / 2);
        want.push(h % 2 === 0 ? h : h + 1);
      }
    }
    expect(Array.from(new Uint16Array(fromFloat32(new Float32Array(mids), "F16").buffer))).toEqual(want);
  });
});

describe("bf16", () => {
  it("rounds to nearest even on the cut bits", () => {
    const x = fromBits([
      0x3f800000, 0x3f808000, 0x3f818000, 0x3f808001, 0x7f7fffff, 0xbf7fffff, 0x00000001, 0x80000000,
    ]);
    expect(u16(fromFloat32(x, "BF16"))).toEqual([0x3f80, 0x3f80, 0x3f82, 0x3f81, 0x7f80, 0xbf80, 0x0000, 0x8000]);
  });
  it("keeps NaN (even signalling) a NaN and Inf an Inf", () => {
    expect(u16(fromFloat32(fromBits([0x7fc00000, 0x7f800001, 0x7f800000, 0xff800000]), "BF16"))).toEqual([
      0x7fc0, 0x7fc0, 0x7f80, 0xff80,
    ]);
  });
  it("widens exactly", () => {
    expect(Array.from(toFloat32(le16([0x3f80, 0xc040, 0x0001, 0x3eab]), "BF16"))).toEqual([
      1,
      -3,
      2 ** -133,
      0.333984375,
    ]);
  });
});

describe("f32 and f64", () => {
  it("copies f32 bytes, even from an unaligned offset", () => {
    const buf = new Uint8Array(9);
    buf.set(new Uint8Array(new Float32Array([1.5, -7]).buffer), 1);
    expect(Array.from(toFloat32(buf.subarray(1), "F32"))).toEqual([1.5, -7]);
    expect(Array.from(new Float32Array(fromFloat32(new Float32Array([1.5]), "F32").buffer))).toEqual([1.5]);
  });
  it("narrows f64", () => {
    expect(Array.from(toFloat32(new Uint8Array(new Float64Array([0.1]).buffer), "F64"))).toEqual([Math.fround(0.1)]);
  });
  it("refuses non-float dtypes and ragged lengths", () => {
    expect(() => toFloat32(new Uint8Array(4), "I32")).toThrow(/I32/);
    expect(() => toFloat32(new Uint8Array(3), "F16")).toThrow(/whole number/);
    expect(() => fromFloat32(new Float32Array(1), "Q8_0")).toThrow(/Q8_0/);
  });
});

describe("Q8_0", () => {
  it("quantizes a block with hand-derived scale and rounding", () => {
    const x = new Float32Array(64);
    x.set([127, -127, 63.5, 0.5, -0.5, 2.49]);
    // second block all zeros
    const q = quantizeQ8_0(x);
    expect(q.length).toBe(68);
    expect(q[0]! | (q[1]! << 8)).toBe(0x3c00); // d = 127/127 = 1.0 in f16
    const qs = Array.from(new Int8Array(q.buffer, 2, 32));
    expect(qs.slice(0, 7)).toEqual([127, -127, 64, 1, -1, 2, 0]); // half away from zero, like roundf
    expect(Array.from(q.subarray(34))).toEqual(new Array(34).fill(0));
  });
  it("uses d = amax/127 stored as f16 and dequantizes to d*q", () => {
    const x = new Float32Array(32).map((_, j) => (j - 15.5) / 10); // amax 1.55
    const q = quantizeQ8_0(x);
    const d = 1.55 / 127;
    const dh = toFloat32(q.subarray(0, 2), "F16")[0]!;
    expect(Math.abs(dh - d)).toBeLessThan(d * 2 ** -11);
    const back = dequantizeQ8_0(q);
    for (let j = 0; j < 32; j++) {
      const qj = new Int8Array(q.buffer, 2 + j, 1)[0]!;
      expect(qj).toBe(Math.round(Math.abs(x[j]!) / d) * Math.sign(x[j]!));
      expect(back[j]).toBeCloseTo(dh * qj, 6);
      expect(Math.abs(back[j]! - x[j]!)).toBeLessThanOrEqual(d * 0.51 + 1e-6);
    }
  });
  it("rejects lengths that are not whole blocks", () => {
    expect(() => quantizeQ8_0(new Float32Array(33))).toThrow(/multiple of 32/);
    expect(() => dequantizeQ8_0(new Uint8Array(35))).toThrow(/Q8_0/);
  });
});
