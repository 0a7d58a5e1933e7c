import { fromFloat32, quantizeQ8_0, toFloat32 } from "../formats/dtype/index.js";
import { ConversionError } from "./errors.js";

/** Element encodings a conversion can write. Q8_0 is GGUF-only (34-byte blocks of 32 values). */
export type OutDType = "F32" | "F16" | "BF16" | "Q8_0";
/** Float encodings a checkpoint can hold and we can read. */
export type InDType = "F32" | "F16" | "BF16";

export interface Caster {
  /** Re-encode little-endian elements; returns `bytes` itself when nothing changes. Q8_0 needs a multiple of 32 values. */
  cast(bytes: Uint8Array, from: InDType, to: OutDType): Uint8Array;
}

/**
 * A caster with 64 K-entry lookup tables for the 16-bit ↔ 16-bit cases (bf16 ↔ f16 is the hot
 * path when converting Meta bf16 weights to an f16 GGUF). Tables are built from the formats
 * package's rounding (round-to-nearest-even), so results equal the element-wise functions.
 */
export function createCaster(): Caster {
  let bf16ToF16: Uint16Array | undefined;
  let f16ToBf16: Uint16Array | undefined;
  const table = (from: "BF16" | "F16", to: "BF16" | "F16"): Uint16Array => {
    const all = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) all[i] = i;
    const enc = fromFloat32(toFloat32(new Uint8Array(all.buffer), from), to);
    return new Uint16Array(enc.buffer, enc.byteOffset, 65536);
  };
  const u16 = (bytes: Uint8Array): Uint16Array => {
    const b = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
    return new Uint16Array(b.buffer, b.byteOffset, b.byteLength >>> 1);
  };
  const lookup = (bytes: Uint8Array, lut: Uint16Array): Uint8Array => {
    const src = u16(bytes);
    const out = new Uint16Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = lut[src[i]!]!;
    return new Uint8Array(out.buffer);
  };
  return {
    cast(bytes, from, to) {
      if (from === to) return bytes;
      if (from === "BF16" && to === "F16") return lookup(bytes, (bf16ToF16 ??= table("BF16", "F16")));
      if (from === "F16" && to === "BF16") return lookup(bytes, (f16ToBf16 ??= table("F16", "BF16")));
      const f32 = toFloat32(bytes, from);
      if (to === "Q8_0") return quantizeQ8_0(f32);
      if (to === "F32") return new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
      if (to === "F16" || to === "BF16") return fromFloat32(f32, to);
      throw new ConversionError("UNSUPPORTED_DTYPE", `Cannot write ${String(to)} elements.`, { hint: "Use --dtype f32, f16, bf16 or q8_0." });
    },
  };
}

/** Bytes taken by `count` elements of `dtype` (count must be a multiple of 32 for Q8_0). */
export function encodedBytes(count: number, dtype: OutDType): number {
  if (dtype === "Q8_0") return (count / 32) * 34;
  return count * (dtype === "F32" ? 4 : 2);
}
