import type { DType } from "../tensor.js";

/** torch storage classes and the element type of each. */
export const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  FloatStorage: "F32",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  DoubleStorage: "F64",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
  UntypedStorage: "U8",
};

/** Callables the unpickler may REDUCE; everything else is refused by name. */
export const ALLOWED_CALLABLES: ReadonlySet<string> = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
]);

/** True when `module.name` may appear in a GLOBAL opcode at all. */
export function isAllowedGlobal(module: string, name: string): boolean {
  if (module === "torch" && Object.hasOwn(STORAGE_DTYPES, name)) return true;
  return ALLOWED_CALLABLES.has(`${module}.${name}`);
}
