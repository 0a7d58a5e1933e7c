/** The few Python values the safe unpickler can build. Nothing here can run code. */
import type { DType } from "../tensor.js";

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}
export class PyList {
  readonly items: PyValue[] = [];
}
/** dict and collections.OrderedDict (both keep insertion order). */
export class PyDict {
  readonly map = new Map<PyKey, PyValue>();
}
/** A resolved, allowlisted global (`module.name`). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}
/** A storage referenced through BINPERSID: one `data/<key>` zip entry. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    /** Element count declared in the pickle. */
    readonly numel: number,
  ) {}
}
/** What `_rebuild_tensor_v2` describes: a strided view into a storage (all counts in elements). */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}
export type PyKey = string | number | bigint | boolean | null;
export type PyValue = PyKey | Uint8Array | PyTuple | PyList | PyDict | PyGlobal | StorageRef | TensorRef;
