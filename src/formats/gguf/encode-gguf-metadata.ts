import { LlamagateError } from "../../core/errors.js";
import { GGUF_VALUE_TYPE_IDS, type GgufMetadataEntry, type GgufScalar, type GgufScalarType } from "./gguf-types.js";

const RANGES: Partial<Record<GgufScalarType, [number, number]>> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};

/** Growable little-endian byte buffer. */
export class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private grow(n: number) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number) {
    this.grow(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  i8(v: number) {
    this.grow(1);
    this.view.setInt8(this.length, v);
    this.length += 1;
  }
  u16(v: number) {
    this.grow(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i16(v: number) {
    this.grow(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number) {
    this.grow(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number) {
    this.grow(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number) {
    this.grow(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number) {
    this.grow(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  u64(v: bigint) {
    this.grow(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }
  i64(v: bigint) {
    this.grow(8);
    this.view.setBigInt64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array) {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** A GGUF string: u64 byte length + UTF-8 bytes, no NUL. */
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(BigInt(b.length));
    this.bytes(b);
  }
  zeros(n: number) {
    this.grow(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function bad(key: string, msg: string): LlamagateError {
  return new LlamagateError("INVALID_GGUF_METADATA", "internal", `GGUF metadata ${key}: ${msg}`);
}

function writeScalar(w: ByteWriter, key: string, type: GgufScalarType, v: GgufScalar): void {
  const range = RANGES[type];
  if (range) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < range[0] || v > range[1])
      throw bad(key, `${String(v)} is not a ${type}.`);
    (w[type as "u8"] as (x: number) => void).call(w, v);
    return;
  }
  switch (type) {
    case "f32":
    case "f64":
      if (typeof v !== "number") throw bad(key, `${String(v)} is not a number.`);
      w[type](v);
      return;
    case "bool":
      if (typeof v !== "boolean") throw bad(key, `${String(v)} is not a boolean.`);
      w.u8(v ? 1 : 0);
      return;
    case "string":
      if (typeof v !== "string") throw bad(key, `${String(v)} is not a string.`);
      w.str(v);
      return;
    case "u64":
    case "i64": {
      const big = typeof v === "bigint" ? v : typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : undefined;
      if (big === undefined || (type === "u64" && big < 0n)) throw bad(key, `${String(v)} is not a ${type}.`);
      w[type](big);
      return;
    }
    default:
      throw bad(key, `unknown type ${String(type)}.`);
  }
}

/** Serialise metadata entries as GGUF KV pairs (key, u32 type, value), checking each value's range. */
export function encodeGgufMetadata(w: ByteWriter, entries: readonly GgufMetadataEntry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.key.length === 0 || seen.has(e.key)) throw bad(e.key, "keys must be non-empty and unique.");
    seen.add(e.key);
    w.str(e.key);
    if (e.type === "array") {
      if (!Object.hasOwn(GGUF_VALUE_TYPE_IDS, e.itemType) || (e.itemType as string) === "array")
        throw bad(e.key, "arrays of arrays are not allowed.");
      w.u32(GGUF_VALUE_TYPE_IDS.array);
      w.u32(GGUF_VALUE_TYPE_IDS[e.itemType]);
      w.u64(BigInt(e.value.length));
      for (const v of e.value) writeScalar(w, e.key, e.itemType, v);
    } else {
      if (!Object.hasOwn(GGUF_VALUE_TYPE_IDS, e.type)) throw bad(e.key, `unknown type ${String(e.type)}.`);
      w.u32(GGUF_VALUE_TYPE_IDS[e.type]);
      writeScalar(w, e.key, e.type, e.value);
    }
  }
}
