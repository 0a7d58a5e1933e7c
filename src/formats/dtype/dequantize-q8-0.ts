import { UnsupportedFormatError } from "../errors.js";
import { f16BitsToF32Bits } from "./float16.js";
import { Q8_0_BLOCK, Q8_0_BLOCK_BYTES } from "./quantize-q8-0.js";

/** Expand Q8_0 blocks back to f32: x = f16(d) * q. */
export function dequantizeQ8_0(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % Q8_0_BLOCK_BYTES !== 0) {
    throw new UnsupportedFormatError(`${bytes.byteLength} bytes is not a whole number of Q8_0 blocks.`);
  }
  const blocks = bytes.byteLength / Q8_0_BLOCK_BYTES;
  const out = new Float32Array(blocks * Q8_0_BLOCK);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scratchU = new Uint32Array(1);
  const scratchF = new Float32Array(scratchU.buffer);
  for (let b = 0; b < blocks; b++) {
    const o = b * Q8_0_BLOCK_BYTES;
    scratchU[0] = f16BitsToF32Bits(view.getUint16(o, true));
    const d = scratchF[0]!;
    for (let j = 0; j < Q8_0_BLOCK; j++) out[b * Q8_0_BLOCK + j] = d * view.getInt8(o + 2 + j);
  }
  return out;
}
