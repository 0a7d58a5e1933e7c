import { fromFloat32, quantizeQ8_0, toFloat32 } from "../formats/dtype/index.js";
import { ConversionError } from "./errors.js";
import type { CastKernel } from "./load-cast-kernel.js";

/** Element encodings a conversion can write. Q8_0 is GGUF-only (34-byte blocks of 32 values). */
export type OutDType = "F32" | "F16" | "BF16" | "Q8_0";
/** Float encodings a checkpoint can hold and we can read. */
export type InDType = "F32" | "F16" | "BF16";

export interface Caster {
  /**
   * Re-encode little-endian elements; returns `bytes` itself when nothing changes. Q8_0 needs a multiple of 32 values.
   */
  cast(bytes: Uint8Array, from: InDType, to: OutDType): Uint8Array;
  /** Re-encode into `dest` (exactly the encoded size), avoiding a temporary for the table-driven cases. */
  castInto(bytes: Uint8Array, from: InDType, to: OutDType, dest: Uint8Array): void;
}

/**
 * A caster with 64 K-entry lookup tables for the 16-bit ↔ 16-bit cases (bf16 ↔ f16 is the hot
 * path when converting Meta bf16 weights to an f16 GGUF). Tables are built from the formats
 * package's rounding (round-to-nearest-even), so results equal the element-wise functions.
 */
export function createCaster(
  params: { /** SIMD bf16 → f16 for buffers inside its memory (loadCastKernel()). */ kernel?: CastKernel } = {},
): Caster {
  const { kernel } = params;
  // Tables indexed by one 16-bit element, pre-shifted for the low and high half of a u32 so two
  // elements convert per step (about 1.6x faster than one at a time).
  const tables = new Map<string, { lo: Uint32Array; hi: Uint32Array; one: Uint16Array }>();
  const table = (from: "BF16" | "F16", to: "BF16" | "F16") => {
    const key = `${from}>${to}`;
    let t = tables.get(key);
    if (!t) {
      const all = new Uint16Array(65536);
      for (let i = 0; i < 65536; i++) all[i] = i;
      const enc = fromFloat32(toFloat32(new Uint8Array(all.buffer), from), to);
      const one = new Uint16Array(enc.buffer, enc.byteOffset, 65536);
      const lo = new Uint32Array(65536);
      const hi = new Uint32Array(65536);
      for (let i = 0; i < 65536; i++) {
        lo[i] = one[i]!;
        hi[i] = (one[i]! << 16) >>> 0;
      }
      t = { lo, hi, one };
      tables.set(key, t);
    }
    return t;
  };
  const aligned = (bytes: Uint8Array, n: number): Uint8Array => (bytes.byteOffset % n === 0 ? bytes : bytes.slice());
  const lookupInto = (
    bytes: Uint8Array,
    t: { lo: Uint32Array; hi: Uint32Array; one: Uint16Array },
    dest: Uint8Array,
  ) => {
    const src = aligned(bytes, 4);
    const d = dest.byteOffset % 4 === 0 ? dest : new Uint8Array(dest.byteLength);
    const pairs = src.byteLength >>> 2;
    const s32 = new Uint32Array(src.buffer, src.byteOffset, pairs);
    const d32 = new Uint32Array(d.buffer, d.byteOffset, pairs);
    const { lo, hi, one } = t;
    for (let i = 0; i < pairs; i++) {
      const x = s32[i]!;
      d32[i] = lo[x & 0xffff]! | hi[x >>> 16]!;
    }
    if (src.byteLength & 2) {
      const last = src.byteLength - 2;
      const v = one[src[last]! | (src[last + 1]! << 8)]!;
      d[last] = v & 0xff;
      d[last + 1] = v >>> 8;
    }
    if (d !== dest) dest.set(d);
  };
  // bf16 → f16 in the WebAssembly kernel when both buffers live in its memory (the converters' scratch)
  const viaKernel = (bytes: Uint8Array, dest: Uint8Array): boolean => {
    if (!kernel || bytes.buffer !== kernel.memory.buffer || dest.buffer !== kernel.memory.buffer) return false;
    const n = bytes.byteLength >>> 1;
    const vec = n - (n % 8);
    kernel.bf16ToF16(bytes.byteOffset, dest.byteOffset, vec);
    if (vec < n) lookupInto(bytes.subarray(vec * 2), table("BF16", "F16"), dest.subarray(vec * 2));
    return true;
  };
  const cast = (bytes: Uint8Array, from: InDType, to: OutDType): Uint8Array => {
    if (from === to) return bytes;
    if ((from === "BF16" && to === "F16") || (from === "F16" && to === "BF16")) {
      const out = new Uint8Array(bytes.byteLength);
      lookupInto(bytes, table(from, to), out);
      return out;
    }
    const f32 = toFloat32(bytes, from);
    if (to === "Q8_0") return quantizeQ8_0(f32);
    if (to === "F32") return new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
    if (to === "F16" || to === "BF16") return fromFloat32(f32, to);
    throw new ConversionError("UNSUPPORTED_DTYPE", `Cannot write ${String(to)} elements.`, {
      hint: "Use --dtype f32, f16, bf16 or q8_0.",
    });
  };
  return {
    cast,
    castInto(bytes, from, to, dest) {
      if (from === "BF16" && to === "F16" && viaKernel(bytes, dest)) return;
      if ((from === "BF16" && to === "F16") || (from === "F16" && to === "BF16"))
        return lookupInto(bytes, table(from, to), dest);
      dest.set(cast(bytes, from, to));
    },
  };
}

/** Bytes taken by `count` elements of `dtype` (count must be a multiple of 32 for Q8_0). */
export function encodedBytes(count: number, dtype: OutDType): number {
  if (dtype === "Q8_0") return (count / 32) * 34;
  return count * (dtype === "F32" ? 4 : 2);
}
