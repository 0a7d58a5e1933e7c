/**
 * The shared vocabulary of every checkpoint reader and writer. Readers return lazy tensors whose
 * bytes are read from disk only when asked for, so converters hold one tensor at a time.
 */

/** Element types, named as safetensors names them. */
export type DType = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export interface TensorInfo {
  name: string;
  dtype: DType;
  /** Row-major (C order) shape, outermost dimension first, as PyTorch and safetensors report it. */
  shape: readonly number[];
}

export interface LazyTensor extends TensorInfo {
  /** Byte length of the contiguous row-major data: product(shape) * DTYPE_BYTES[dtype]. */
  byteLength: number;
  /** Read the tensor's elements as contiguous row-major little-endian bytes (strided views are gathered). */
  read(signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Read `dest.byteLength` bytes of the row-major data, starting `offset` bytes in, into `dest`
   * (no allocation). Present only when the bytes lie contiguously on disk, so a converter can
   * stream a tensor in small chunks through reused buffers.
   */
  readInto?(dest: Uint8Array, offset: number, signal?: AbortSignal): Promise<void>;
}

/** A set of named tensors backed by files (a .pth, a safetensors file or shard set, a GGUF). */
export interface TensorSource {
  tensors: readonly LazyTensor[];
  get(name: string): LazyTensor | undefined;
  close(): Promise<void>;
}

/** Where a writer gets one tensor's bytes: whole (`data`), or streamed in file order (`produce`). */
export interface TensorBytes {
  /** Produce the contiguous bytes in one buffer (called once, in file order). */
  data?: () => Promise<Uint8Array>;
  /**
   * Or: pass the bytes to `sink` in order, in chunks of any size; resolve once every sink promise
   * has settled. A chunk's buffer may be reused as soon as its sink promise resolves, and several
   * sink calls may be in flight at once (reads of the next chunk overlap the write of this one).
   */
  produce?: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>;
}
