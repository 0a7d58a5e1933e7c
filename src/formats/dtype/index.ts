export { toFloat32, type FloatDType } from "./to-float32.js";
export { fromFloat32 } from "./from-float32.js";
export { quantizeQ8_0, Q8_0_BLOCK, Q8_0_BLOCK_BYTES } from "./quantize-q8-0.js";
export { dequantizeQ8_0 } from "./dequantize-q8-0.js";
export { f16BitsToF32Bits, f32BitsToF16Bits, f16BitsToNumber, numberToF16Bits } from "./float16.js";
