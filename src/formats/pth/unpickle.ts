import { CorruptFileError, UnsafeCheckpointError, UnsupportedFormatError } from "../errors.js";
import { callAllowed } from "./call-allowed.js";
import { PyDict, PyGlobal, PyList, PyTuple, TensorRef, type PyKey, type PyValue } from "./pickle-values.js";
import { isAllowedGlobal } from "./torch-globals.js";

const MARK = Symbol("mark");
type Slot = PyValue | typeof MARK;

/** Opcodes we do not interpret, named for the error message. */
const OPNAMES: Record<number, string> = {
  0x49: "INT",
  0x4c: "LONG",
  0x53: "STRING",
  0x56: "UNICODE",
  0x46: "FLOAT",
  0x64: "DICT",
  0x6c: "LIST",
  0x67: "GET",
  0x70: "PUT",
  0x50: "PERSID",
  0x8b: "LONG4",
  0x8e: "BINBYTES8",
  0x8f: "EMPTY_SET",
  0x90: "ADDITEMS",
  0x91: "FROZENSET",
  0x96: "BYTEARRAY8",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
  0x69: "INST",
  0x6f: "OBJ",
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
};
/** Opcodes that build arbitrary objects: refused as unsafe rather than as corrupt. */
const UNSAFE_OPS = new Set([0x69, 0x6f, 0x81, 0x92, 0x82, 0x83, 0x84]);

/**
 * What building a state dict may cost, in units: one per value created, container slot filled or
 * memo entry; a dict counts as DICT_UNITS (a Map is the heaviest value built). A tensor costs about
 * 40 units, so even a 100,000-tensor state dict stays far below; a pickle of repeated EMPTY_DICT or
 * BINGET+APPEND opcodes hits it within a fraction of a second and a few hundred MB.
 */
export const MAX_PICKLE_UNITS = 8_000_000;
const DICT_UNITS = 16;
/** Deepest value stack accepted (torch batches SETITEMS by 1,000 pairs). */
export const MAX_PICKLE_STACK = 1_000_000;

/**
 * A pickle interpreter for the opcodes torch.save emits (protocol 2, plus the harmless ones of
 * later protocols). It builds plain values only: GLOBAL resolves names against an allowlist,
 * REDUCE builds tensors/dicts itself, and anything else is refused. Nothing is ever executed.
 */
export function unpickle(params: {
  /** The pickle bytes (data.pkl). */
  bytes: Uint8Array;
  /** Name for messages. */
  what: string;
  /** Resolve a BINPERSID id (torch's storage tuples). */
  persistentLoad: (pid: PyValue) => PyValue;
  /** Budget in units (default MAX_PICKLE_UNITS); tests pass a small one to probe the bound. */
  maxUnits?: number;
}): PyValue {
  const { bytes, what, persistentLoad } = params;
  const maxUnits = params.maxUnits ?? MAX_PICKLE_UNITS;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const latin1 = new TextDecoder("latin1");
  const stack: Slot[] = [];
  const memo = new Map<number, PyValue>();
  let p = 0;
  let units = 0;
  const corrupt = (msg: string) =>
    new CorruptFileError(`${what}: ${msg} (pickle offset ${p}).`, { code: "CORRUPT_PICKLE" });
  /** Charge the budget; a pickle that builds far more than a state dict needs is refused, not built. */
  const spend = (n: number) => {
    units += n;
    if (units > maxUnits) {
      throw corrupt(`builds more values than any state dict needs (over ${maxUnits} units); not a plain checkpoint`);
    }
  };
  const need = (n: number) => {
    if (p + n > bytes.length) throw corrupt("pickle data ends early");
  };
  const u8 = () => (need(1), bytes[p++]!);
  const u16 = () => (need(2), (p += 2), view.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), view.getUint32(p - 4, true));
  const take = (n: number) => (need(n), bytes.subarray(p, (p += n)));
  const str = (n: number) => {
    try {
      return utf8.decode(take(n));
    } catch {
      throw corrupt("string is not valid UTF-8");
    }
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) throw corrupt("unterminated GLOBAL name");
    const s = latin1.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const push = (v: Slot, cost = 1) => {
    spend(cost);
    if (stack.length >= MAX_PICKLE_STACK) throw corrupt(`value stack deeper than ${MAX_PICKLE_STACK} entries`);
    stack.push(v);
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw corrupt("stack underflow");
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw corrupt("stack underflow");
    return v;
  };
  const popMark = (): PyValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw corrupt("MARK missing");
    const items = stack.splice(i) as Slot[];
    return items.slice(1) as PyValue[];
  };
  const memoGet = (i: number) => {
    if (!memo.has(i)) throw corrupt(`memo entry ${i} is missing`);
    return memo.get(i)!;
  };
  const resolveGlobal = (module: string, name: string) => {
    if (!isAllowedGlobal(module, name)) {
      throw new UnsafeCheckpointError(`${what}: refused pickle global ${module}.${name}; nothing was executed.`, {
        details: { global: `${module}.${name}` },
      });
    }
    return new PyGlobal(module, name);
  };
  const asKey = (k: PyValue): PyKey => {
    if (k === null || typeof k !== "object") return k;
    throw corrupt("dictionary key is not a plain value");
  };
  const setItems = (target: PyValue, kv: PyValue[]) => {
    if (!(target instanceof PyDict)) throw corrupt("SETITEM on something that is not a dict");
    if (kv.length % 2 !== 0) throw corrupt("odd number of items for SETITEMS");
    spend(kv.length);
    for (let i = 0; i < kv.length; i += 2) target.map.set(asKey(kv[i]!), kv[i + 1]!);
  };
  const appendItems = (target: PyValue, items: PyValue[]) => {
    if (!(target instanceof PyList)) throw corrupt("APPEND on something that is not a list");
    for (const item of items) target.items.push(item); // no spread: 300k items would overflow the call stack
  };

  for (;;) {
    const at = p;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new UnsupportedFormatError(`${what}: pickle protocol newer than 5.`);
        break;
      case 0x95: // FRAME: length is advisory
        take(8);
        break;
      case 0x2e: {
        // STOP
        const result = pop();
        if (stack.length !== 0) throw corrupt("values left on the stack at STOP");
        return result;
      }
      case 0x28:
        push(MARK);
        break; // MARK
      case 0x7d:
        push(new PyDict(), DICT_UNITS);
        break; // EMPTY_DICT
      case 0x5d:
        push(new PyList());
        break; // EMPTY_LIST
      case 0x29:
        push(new PyTuple([]));
        break; // EMPTY_TUPLE
      case 0x74: {
        const items = popMark();
        push(new PyTuple(items), 1 + items.length);
        break;
      } // TUPLE
      case 0x85:
        push(new PyTuple([pop()]), 2);
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b]), 3);
        break;
      } // TUPLE2
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b, c]), 4);
        break;
      }
      case 0x4e:
        push(null);
        break; // NONE
      case 0x88:
        push(true);
        break; // NEWTRUE
      case 0x89:
        push(false);
        break; // NEWFALSE
      case 0x4b:
        push(u8());
        break; // BININT1
      case 0x4d:
        push(u16());
        break; // BININT2
      case 0x4a:
        need(4);
        push(view.getInt32(p, true));
        p += 4;
        break; // BININT
      case 0x8a: {
        // LONG1: little-endian two's complement
        const b = take(u8());
        let v = 0n;
        for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
        push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47:
        need(8);
        push(view.getFloat64(p, false));
        p += 8;
        break; // BINFLOAT (big-endian)
      case 0x58:
        push(str(u32()));
        break; // BINUNICODE
      case 0x8c:
        push(str(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d: {
        need(8);
        const n = view.getBigUint64(p, true);
        p += 8;
        if (n > BigInt(bytes.length)) throw corrupt("string too long");
        push(str(Number(n)));
        break;
      } // BINUNICODE8
      case 0x55:
        push(latin1.decode(take(u8())));
        break; // SHORT_BINSTRING
      case 0x54:
        push(latin1.decode(take(u32())));
        break; // BINSTRING
      case 0x43:
        push(take(u8()).slice());
        break; // SHORT_BINBYTES
      case 0x42:
        push(take(u32()).slice());
        break; // BINBYTES
      case 0x63: {
        const m = line();
        const n = line();
        push(resolveGlobal(m, n));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const n = pop();
        const m = pop();
        if (typeof m !== "string" || typeof n !== "string") throw corrupt("STACK_GLOBAL needs two strings");
        push(resolveGlobal(m, n));
        break;
      }
      case 0x51:
        push(persistentLoad(pop()));
        break; // BINPERSID
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        const v = callAllowed(fn, args, what);
        push(v, v instanceof PyDict ? DICT_UNITS : 1);
        break;
      }
      case 0x62: {
        // BUILD: state of OrderedDict (_metadata) or of a tensor/parameter is dropped
        pop();
        const target = top();
        if (!(target instanceof PyDict) && !(target instanceof TensorRef))
          throw corrupt("BUILD on an unsupported object");
        break;
      }
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const kv = popMark();
        setItems(top(), kv);
        break;
      } // SETITEMS
      case 0x61: {
        const v = pop();
        spend(1);
        appendItems(top(), [v]);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        spend(items.length);
        appendItems(top(), items);
        break;
      } // APPENDS
      case 0x71:
        spend(1);
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        spend(1);
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        spend(1);
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
        push(memoGet(u8()));
        break; // BINGET
      case 0x6a:
        push(memoGet(u32()));
        break; // LONG_BINGET
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        push(top());
        break; // DUP
      default: {
        const name = OPNAMES[op];
        const label = name ? `${name} (0x${op.toString(16)})` : `0x${op.toString(16).padStart(2, "0")}`;
        const Err = UNSAFE_OPS.has(op) ? UnsafeCheckpointError : CorruptFileError;
        throw new Err(`${what}: pickle opcode ${label} at offset ${at} is not supported; nothing was executed.`, {
          code: UNSAFE_OPS.has(op) ? "UNSAFE_CHECKPOINT" : "UNSUPPORTED_PICKLE_OPCODE",
        });
      }
    }
  }
}
