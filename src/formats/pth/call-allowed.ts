import { CorruptFileError, UnsafeCheckpointError } from "../errors.js";
import { PyDict, PyGlobal, PyTuple, StorageRef, TensorRef, type PyValue } from "./pickle-values.js";
import { ALLOWED_CALLABLES } from "./torch-globals.js";

function intList(v: PyValue, what: string, label: string): number[] {
  if (!(v instanceof PyTuple)) throw new CorruptFileError(`${what}: tensor ${label} is not a tuple.`);
  return v.items.map((x) => toCount(x, what, label));
}

function toCount(v: PyValue, what: string, label: string): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new CorruptFileError(`${what}: tensor ${label} holds an invalid value (${String(v)}).`);
  }
  return n;
}

/**
 * Evaluate REDUCE for an allowlisted callable by building the plain value it describes.
 * Nothing is imported or executed; unknown callables are refused by name.
 */
export function callAllowed(fn: PyValue, args: PyValue, what: string): PyValue {
  if (!(fn instanceof PyGlobal) || !ALLOWED_CALLABLES.has(fn.qualified)) {
    const name = fn instanceof PyGlobal ? fn.qualified : typeof fn;
    throw new UnsafeCheckpointError(`${what}: the checkpoint asks to call ${name}, which is not allowed.`, {
      details: { global: name },
    });
  }
  if (!(args instanceof PyTuple)) throw new CorruptFileError(`${what}: REDUCE arguments are not a tuple.`);
  const a = args.items;
  switch (fn.qualified) {
    case "collections.OrderedDict":
      if (a.length !== 0) throw new CorruptFileError(`${what}: OrderedDict built with arguments.`);
      return new PyDict();
    case "torch._utils._rebuild_tensor_v2": {
      if (a.length < 6 || a.length > 7)
        throw new CorruptFileError(`${what}: _rebuild_tensor_v2 takes 6 or 7 arguments.`);
      const storage = a[0];
      if (!(storage instanceof StorageRef)) throw new CorruptFileError(`${what}: tensor without a storage.`);
      const shape = intList(a[2]!, what, "size");
      const stride = intList(a[3]!, what, "stride");
      if (shape.length !== stride.length) throw new CorruptFileError(`${what}: tensor size and stride differ in rank.`);
      return new TensorRef(storage, toCount(a[1]!, what, "storage offset"), shape, stride);
    }
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state": {
      const data = a[0];
      if (!(data instanceof TensorRef)) throw new CorruptFileError(`${what}: parameter without tensor data.`);
      return data;
    }
    default:
      throw new UnsafeCheckpointError(`${what}: ${fn.qualified} is not callable here.`);
  }
}
