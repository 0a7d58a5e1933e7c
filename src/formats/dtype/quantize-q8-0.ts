import { UnsupportedFormatError } from "../errors.js";
import { f32BitsToF16Bits } from "./float16.js";

/** Elements per Q8_0 block and bytes per block (f16 scale + 32 int8). */
export const Q8_0_BLOCK = 32;
export const Q8_0_BLOCK_BYTES = 34;

/**
 * Quantize f32 values to ggml Q8_0 blocks, as ggml's `quantize_row_q8_0_ref` does:
 * d = amax/127 (f32, stored as f16), q = round-half-away(x * (1/d)), all zeros when amax is 0.
 * The element count must be a multiple of 32 (ggml requires ne[0] % 32 == 0).
 */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % Q8_0_BLOCK !== 0) {
    throw new UnsupportedFormatError(`Q8_0 needs a multiple of 32 elements per row; got ${values.length}.`, {
      hint: "Use f16, bf16 or f32 for this model.",
    });
  }
  const blocks = values.length / Q8_0_BLOCK;
  const out = new Uint8Array(blocks * Q8_0_BLOCK_BYTES);
  const view = new DataView(out.buffer);
  const scratchF = new Float32Array(1);
  const scratchU = new Uint32Array(scratchF.buffer);
  for (let b = 0; b < blocks; b++) {
    const base = b * Q8_0_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const a = Math.abs(values[base + j]!);
      if (a > amax) amax = a;
    }
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const o = b * Q8_0_BLOCK_BYTES;
    scratchF[0] = d;
    view.setUint16(o, f32BitsToF16Bits(scratchU[0]!), true);
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const x = Math.fround(values[base + j]! * id);
      const q = x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
      view.setInt8(o + 2 + j, q);
    }
  }
  return out;
}
