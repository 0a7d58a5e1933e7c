import { LlamagateError } from "../../core/errors.js";
import { UnsupportedFormatError } from "../errors.js";
import { openAtomicFileWriter } from "../io/atomic-file-writer.js";
import { writeTensorBytes } from "../io/write-tensor-bytes.js";
import { DTYPE_BYTES, type DType, type TensorBytes } from "../tensor.js";
import { DTYPE_ORDER, SUPPORTED_DTYPES } from "./safetensors-dtypes.js";

/** A tensor to write; its bytes are produced only when the writer reaches it. */
export interface TensorToWrite extends TensorBytes {
  name: string;
  dtype: DType;
  /** Row-major shape. */
  shape: readonly number[];
}

/**
 * Stream tensors into a safetensors file: the header (space-padded to 8 bytes) first, then each
 * tensor's bytes, one at a time, ordered like the reference writer (dtype alignment descending,
 * then name) so every tensor is aligned to its element size. Written to a temp file and renamed.
 * Returns the file size.
 */
export async function writeSafetensors(params: {
  /** Final path of the .safetensors file. */
  path: string;
  /** Tensors to write. */
  tensors: readonly TensorToWrite[];
  /** `__metadata__` (string values only); HF writes {"format":"pt"}. */
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}): Promise<{ bytes: number }> {
  const { path, tensors, metadata, signal } = params;
  const rank = (d: string) => DTYPE_ORDER.indexOf(d);
  const ordered = [...tensors].sort(
    (a, b) => rank(b.dtype) - rank(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const sizes: number[] = [];
  for (const t of ordered) {
    if (!SUPPORTED_DTYPES.has(t.dtype))
      throw new UnsupportedFormatError(`Cannot write dtype ${t.dtype} to safetensors.`);
    if (Object.hasOwn(header, t.name))
      throw new LlamagateError("DUPLICATE_TENSOR", "internal", `Tensor ${t.name} is listed twice.`);
    if (!t.shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new LlamagateError(
        "INVALID_TENSOR_SHAPE",
        "internal",
        `Tensor ${t.name} has an invalid shape [${t.shape.join(", ")}].`,
      );
    }
    const size = t.shape.reduce((a, b) => a * b, DTYPE_BYTES[t.dtype]);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    sizes.push(size);
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  const out = await openAtomicFileWriter({ path, signal });
  try {
    await out.write(head);
    for (let i = 0; i < ordered.length; i++) {
      const t = ordered[i]!;
      await writeTensorBytes({ out, name: t.name, size: sizes[i]!, tensor: t });
    }
    await out.commit();
    return { bytes: head.length + offset };
  } catch (e) {
    await out.abort();
    throw e;
  }
}
