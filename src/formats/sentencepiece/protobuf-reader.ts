import { CorruptFileError } from "../errors.js";

/** A field read from a protobuf message: number, wire type and its raw value. */
export interface ProtoField {
  field: number;
  wire: number;
  /** varint (as number; int32 negatives come back negative), fixed32/64 bytes, or LEN bytes. */
  varint?: number;
  bytes?: Uint8Array;
}

/**
 * Iterate over the fields of one protobuf message, validating every length against the buffer.
 * Groups (wire types 3/4) are refused; they never appear in sentencepiece models.
 */
export function* protoFields(buf: Uint8Array, what: string): Generator<ProtoField> {
  let p = 0;
  const corrupt = (msg: string) => new CorruptFileError(`${what}: ${msg} at byte ${p}.`, { code: "CORRUPT_PROTOBUF" });
  const varint = (): number => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (p >= buf.length) throw corrupt("truncated varint");
      const b = buf[p++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        const signed = BigInt.asIntN(64, result);
        if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER))
          throw corrupt("varint out of range");
        return Number(signed);
      }
      shift += 7n;
    }
    throw corrupt("varint longer than 10 bytes");
  };
  while (p < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw corrupt("field number 0");
    switch (wire) {
      case 0:
        yield { field, wire, varint: varint() };
        break;
      case 1:
      case 5: {
        const n = wire === 1 ? 8 : 4;
        if (p + n > buf.length) throw corrupt("truncated fixed-width field");
        yield { field, wire, bytes: buf.subarray(p, (p += n)) };
        break;
      }
      case 2: {
        const n = varint();
        if (n < 0 || p + n > buf.length) throw corrupt(`length ${n} runs past the end of the message`);
        yield { field, wire, bytes: buf.subarray(p, (p += n)) };
        break;
      }
      default:
        throw corrupt(`unsupported wire type ${wire}`);
    }
  }
}
