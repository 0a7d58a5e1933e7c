import { UnsupportedFormatError } from "../errors.js";
import { f32BitsToF16Bits } from "./float16.js";
import type { FloatDType } from "./to-float32.js";

/**
 * Encode f32 values as little-endian `dtype` elements, rounding to nearest-even for F16 and BF16
 * (NaN stays a quiet NaN, overflow becomes Inf, f16 subnormals are produced). Returns new bytes.
 */
export function fromFloat32(values: Float32Array, dtype: string): Uint8Array {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  switch (dtype as FloatDType) {
    case "F32":
      return new Uint8Array(values.slice().buffer);
    case "F64":
      return new Uint8Array(Float64Array.from(values).buffer);
    case "BF16": {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const b = bits[i]!;
        if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) out[i] = (b >>> 16) | 0x40;
        else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
      }
      return new Uint8Array(out.buffer);
    }
    case "F16": {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const b = bits[i]!;
        const a = b & 0x7fffffff;
        // fast path for results that are normal halves: rebias, add the round-to-even bias, shift
        if (a >= 0x38800000 && a < 0x477ff000)
          out[i] = ((b >>> 16) & 0x8000) | ((a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13);
        else out[i] = f32BitsToF16Bits(b);
      }
      return new Uint8Array(out.buffer);
    }
    default:
      throw new UnsupportedFormatError(`Cannot convert f32 values to ${dtype}.`, {
        hint: "Choose f32, f16 or bf16.",
      });
  }
}
