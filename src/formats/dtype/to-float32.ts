import { UnsupportedFormatError } from "../errors.js";
import { f16BitsToF32Bits } from "./float16.js";
import { viewF64, viewU16, viewU32 } from "./typed-views.js";

/** Float element types that convert to and from f32. */
export type FloatDType = "F32" | "F16" | "BF16" | "F64";

const SIZES: Record<FloatDType, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/**
 * Decode little-endian elements of `dtype` into a new Float32Array. F16 and BF16 widen exactly;
 * F64 rounds to nearest f32. The result never aliases `bytes`.
 */
export function toFloat32(bytes: Uint8Array, dtype: string): Float32Array {
  if (!(dtype in SIZES)) {
    throw new UnsupportedFormatError(`Cannot convert ${dtype} elements to f32.`, {
      hint: "Only F32, F16, BF16 and F64 tensors can be converted between float types.",
    });
  }
  const size = SIZES[dtype as FloatDType];
  if (bytes.byteLength % size !== 0) {
    throw new UnsupportedFormatError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements.`);
  }
  const n = bytes.byteLength / size;
  const out = new Float32Array(n);
  const outBits = new Uint32Array(out.buffer);
  switch (dtype as FloatDType) {
    case "F32":
      outBits.set(viewU32(bytes));
      break;
    case "BF16": {
      const src = viewU16(bytes);
      for (let i = 0; i < n; i++) outBits[i] = src[i]! << 16;
      break;
    }
    case "F16": {
      const src = viewU16(bytes);
      if (n < 1 << 16) {
        for (let i = 0; i < n; i++) outBits[i] = f16BitsToF32Bits(src[i]!);
      } else {
        // large tensors: a 64 Ki-entry table is cheaper than decoding every element
        const table = new Uint32Array(1 << 16);
        for (let h = 0; h < 1 << 16; h++) table[h] = f16BitsToF32Bits(h);
        for (let i = 0; i < n; i++) outBits[i] = table[src[i]!]!;
      }
      break;
    }
    case "F64":
      out.set(viewF64(bytes));
      break;
  }
  return out;
}
