import type { DType } from "../tensor.js";

/** Every dtype name the safetensors reference knows, in its enum (= alignment) order, with sizes. */
export const SAFETENSORS_DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The subset this tool can hand to converters. */
export const SUPPORTED_DTYPES: ReadonlySet<string> = new Set<DType>([
  "BOOL",
  "U8",
  "I8",
  "I16",
  "F16",
  "BF16",
  "I32",
  "F32",
  "F64",
  "I64",
]);

/** Position in the reference enum; the writer orders tensors by it, descending, like the reference. */
export const DTYPE_ORDER: readonly string[] = Object.keys(SAFETENSORS_DTYPE_SIZES);
