/** GGUF value types and ggml tensor types (ids from gguf.h / ggml.h). */

export type GgufScalarType =
  "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "bool" | "string" | "u64" | "i64" | "f64";
export type GgufScalar = number | bigint | boolean | string;

/** How the reader returns arrays of u8/i8/u16/i16/u32/i32/f32/f64 (one typed array, not a JS array of numbers). */
export type GgufNumericArray =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** One metadata key/value as written and as read back (numeric arrays are read back as typed arrays). */
export type GgufMetadataEntry =
  | { key: string; type: GgufScalarType; value: GgufScalar }
  | { key: string; type: "array"; itemType: GgufScalarType; value: readonly GgufScalar[] | GgufNumericArray };

export const GGUF_VALUE_TYPE_IDS: Readonly<Record<GgufScalarType | "array", number>> = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
};

export const GGUF_VALUE_TYPE_NAMES: readonly (GgufScalarType | "array")[] = [
  "u8",
  "i8",
  "u16",
  "i16",
  "u32",
  "i32",
  "f32",
  "bool",
  "string",
  "array",
  "u64",
  "i64",
  "f64",
];

/** Fixed byte size of each scalar type (string is variable). */
export const GGUF_SCALAR_BYTES: Readonly<Record<Exclude<GgufScalarType, "string">, number>> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  bool: 1,
  u64: 8,
  i64: 8,
  f64: 8,
};

/** ggml types the writer produces. */
export type GgmlWriteType = "F32" | "F16" | "BF16" | "Q8_0";

export interface GgmlTypeInfo {
  name: string;
  id: number;
  /** Elements per block and bytes per block (GGML_QUANT_SIZES). */
  blockElems: number;
  blockBytes: number;
}

/** ggml types the reader can size (others are refused as unsupported). */
export const GGML_TYPES: readonly GgmlTypeInfo[] = [
  { name: "F32", id: 0, blockElems: 1, blockBytes: 4 },
  { name: "F16", id: 1, blockElems: 1, blockBytes: 2 },
  { name: "Q4_0", id: 2, blockElems: 32, blockBytes: 18 },
  { name: "Q4_1", id: 3, blockElems: 32, blockBytes: 20 },
  { name: "Q5_0", id: 6, blockElems: 32, blockBytes: 22 },
  { name: "Q5_1", id: 7, blockElems: 32, blockBytes: 24 },
  { name: "Q8_0", id: 8, blockElems: 32, blockBytes: 34 },
  { name: "Q8_1", id: 9, blockElems: 32, blockBytes: 36 },
  { name: "Q2_K", id: 10, blockElems: 256, blockBytes: 84 },
  { name: "Q3_K", id: 11, blockElems: 256, blockBytes: 110 },
  { name: "Q4_K", id: 12, blockElems: 256, blockBytes: 144 },
  { name: "Q5_K", id: 13, blockElems: 256, blockBytes: 176 },
  { name: "Q6_K", id: 14, blockElems: 256, blockBytes: 210 },
  { name: "Q8_K", id: 15, blockElems: 256, blockBytes: 292 },
  { name: "I8", id: 24, blockElems: 1, blockBytes: 1 },
  { name: "I16", id: 25, blockElems: 1, blockBytes: 2 },
  { name: "I32", id: 26, blockElems: 1, blockBytes: 4 },
  { name: "I64", id: 27, blockElems: 1, blockBytes: 8 },
  { name: "F64", id: 28, blockElems: 1, blockBytes: 8 },
  { name: "BF16", id: 30, blockElems: 1, blockBytes: 2 },
];

export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGML_MAX_NAME = 64;
export const GGML_MAX_DIMS = 4;
