import { CorruptFileError, UnsupportedFormatError } from "../errors.js";
import {
  GGML_MAX_DIMS,
  GGML_MAX_NAME,
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_SCALAR_BYTES,
  GGUF_VALUE_TYPE_NAMES,
  type GgufMetadataEntry,
  type GgufNumericArray,
  type GgufScalar,
  type GgufScalarType,
} from "./gguf-types.js";

/** Arrays of these item types are returned as typed arrays (little-endian, as GGUF v2/v3 store them). */
type TypedArrayClass = new (buffer: ArrayBuffer, offset: number, length: number) => GgufNumericArray;
const TYPED_ARRAYS: Partial<Record<GgufScalarType, TypedArrayClass>> = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
};
/**
 * Most items read into a JS array (strings, bools, 64-bit integers): each costs tens of bytes of heap, so a
 * file of millions of empty strings could exhaust memory. Real vocabularies and merge lists are under 1M.
 */
export const MAX_LIST_ITEMS = 4_000_000;

/** Thrown when the prefix given to the parser is too short; the caller reads more and retries. */
export class NeedMoreBytes extends Error {
  constructor(
    /** Prefix length that would get the parser past the point where it stopped. */
    readonly needed: number,
  ) {
    super("need more bytes");
  }
}

export interface GgufTensorInfo {
  name: string;
  /** ggml type name (F32, F16, Q8_0, BF16, ...). */
  ggmlType: string;
  ggmlTypeId: number;
  /** Dims, innermost first. */
  ne: number[];
  /** Offset relative to the data section. */
  offset: number;
  byteLength: number;
}

/**
 * Parse a GGUF header from a prefix of the file. Every count, length and offset is checked
 * against `fileSize`; running past the prefix throws NeedMoreBytes.
 */
export function parseGgufHeader(params: { bytes: Uint8Array; fileSize: number; what: string }): {
  version: number;
  alignment: number;
  metadata: Map<string, GgufMetadataEntry>;
  tensors: GgufTensorInfo[];
  dataOffset: number;
} {
  const { bytes, fileSize, what } = params;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let p = 0;
  const corrupt = (msg: string) => new CorruptFileError(`${what}: ${msg}`, { code: "CORRUPT_GGUF" });
  const need = (n: number) => {
    if (p + n > fileSize) throw corrupt(`ends early at offset ${p} (truncated?).`);
    if (p + n > bytes.length) throw new NeedMoreBytes(p + n);
  };
  const u32 = () => (need(4), (p += 4), view.getUint32(p - 4, true));
  const u64 = (label: string) => {
    need(8);
    const v = view.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${label} ${v} is out of range.`);
    return Number(v);
  };
  const str = (label: string) => {
    const n = u64(`${label} length`);
    need(n);
    try {
      return utf8.decode(bytes.subarray(p, (p += n)));
    } catch {
      throw corrupt(`${label} is not valid UTF-8.`);
    }
  };
  const scalar = (t: GgufScalarType, key: string): GgufScalar => {
    if (t === "string") return str(`string value of ${key}`);
    need(GGUF_SCALAR_BYTES[t]);
    const o = p;
    p += GGUF_SCALAR_BYTES[t];
    switch (t) {
      case "u8":
        return view.getUint8(o);
      case "i8":
        return view.getInt8(o);
      case "u16":
        return view.getUint16(o, true);
      case "i16":
        return view.getInt16(o, true);
      case "u32":
        return view.getUint32(o, true);
      case "i32":
        return view.getInt32(o, true);
      case "f32":
        return view.getFloat32(o, true);
      case "f64":
        return view.getFloat64(o, true);
      case "bool": {
        const b = view.getUint8(o);
        if (b > 1) throw corrupt(`bool value of ${key} is ${b}.`);
        return b === 1;
      }
      case "u64": {
        const v = view.getBigUint64(o, true);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case "i64": {
        const v = view.getBigInt64(o, true);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
      }
    }
  };
  const typeName = (id: number, key: string) => {
    const t = GGUF_VALUE_TYPE_NAMES[id];
    if (t === undefined) throw corrupt(`metadata ${key} has unknown value type ${id}.`);
    return t;
  };

  need(4);
  if (bytes[0] !== 0x47 || bytes[1] !== 0x47 || bytes[2] !== 0x55 || bytes[3] !== 0x46)
    throw new UnsupportedFormatError(`${what} is not a GGUF file (bad magic).`);
  p = 4;
  const version = u32();
  if ((version & 0xffff) === 0)
    throw new UnsupportedFormatError(`${what}: GGUF version ${version} suggests a big-endian file; not supported.`);
  if (version < 2 || version > 3)
    throw new UnsupportedFormatError(`${what}: GGUF version ${version} is not supported (2 and 3 are).`);
  const nTensors = u64("tensor count");
  const nKv = u64("metadata count");
  // each KV takes at least 13 bytes and each tensor info at least 24: bound the counts by the file
  if (nKv * 13 > fileSize || nTensors * 24 > fileSize)
    throw corrupt(`implausible counts (${nTensors} tensors, ${nKv} keys).`);

  const metadata = new Map<string, GgufMetadataEntry>();
  for (let i = 0; i < nKv; i++) {
    const key = str("metadata key");
    if (key.length === 0 || metadata.has(key)) throw corrupt(`metadata key "${key}" is empty or repeated.`);
    const type = typeName(u32(), key);
    if (type === "array") {
      const itemType = typeName(u32(), key);
      if (itemType === "array") throw corrupt(`metadata ${key} is an array of arrays.`);
      const n = u64(`array length of ${key}`);
      const min = itemType === "string" ? 8 : GGUF_SCALAR_BYTES[itemType];
      if (p + n * min > fileSize) throw corrupt(`array ${key} of ${n} items runs past the end of the file.`);
      const Typed = TYPED_ARRAYS[itemType];
      if (Typed) {
        // numeric arrays stay typed: as many bytes in memory as in the file
        need(n * min);
        const copy = bytes.slice(p, (p += n * min));
        metadata.set(key, { key, type: "array", itemType, value: new Typed(copy.buffer, 0, n) });
        continue;
      }
      if (n > MAX_LIST_ITEMS)
        throw corrupt(`array ${key} has ${n} ${itemType} items (at most ${MAX_LIST_ITEMS} are read).`);
      const value: GgufScalar[] = [];
      for (let j = 0; j < n; j++) value.push(scalar(itemType, key));
      metadata.set(key, { key, type: "array", itemType, value });
    } else {
      metadata.set(key, { key, type, value: scalar(type, key) });
    }
  }
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = metadata.get("general.alignment");
  if (al) {
    const v = al.value;
    if (al.type !== "u32" || typeof v !== "number" || v === 0 || (v & (v - 1)) !== 0)
      throw corrupt("general.alignment is not a power-of-two u32.");
    alignment = v;
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = str("tensor name");
    if (new TextEncoder().encode(name).length >= GGML_MAX_NAME || names.has(name))
      throw corrupt(`tensor name "${name}" is too long or repeated.`);
    names.add(name);
    const nDims = u32();
    if (nDims > GGML_MAX_DIMS) throw corrupt(`tensor ${name} has ${nDims} dims (max ${GGML_MAX_DIMS}).`);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) ne.push(u64(`dim of ${name}`));
    const typeId = u32();
    const info = GGML_TYPES.find((t) => t.id === typeId);
    if (!info)
      throw new UnsupportedFormatError(`${what}: tensor ${name} has ggml type ${typeId}, which is not supported.`);
    if (ne.length > 0 && ne[0]! % info.blockElems !== 0)
      throw corrupt(`tensor ${name}: row length ${ne[0]} is not a multiple of the ${info.name} block.`);
    let numel = 1;
    for (const n of ne) {
      numel *= n;
      if (!Number.isSafeInteger(numel)) throw corrupt(`tensor ${name} is too large (size overflows).`);
    }
    const offset = u64(`offset of ${name}`);
    tensors.push({
      name,
      ggmlType: info.name,
      ggmlTypeId: typeId,
      ne,
      offset,
      byteLength: (numel / info.blockElems) * info.blockBytes,
    });
  }
  const dataOffset = Math.ceil(p / alignment) * alignment;
  let expected = 0;
  for (const t of tensors) {
    if (t.offset !== expected) throw corrupt(`tensor ${t.name} is at data offset ${t.offset}, expected ${expected}.`);
    expected += Math.ceil(t.byteLength / alignment) * alignment;
    if (dataOffset + t.offset + t.byteLength > fileSize)
      throw corrupt(`tensor ${t.name} runs past the end of the file (truncated?).`);
  }
  return { version, alignment, metadata, tensors, dataOffset };
}
