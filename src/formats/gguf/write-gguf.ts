import { LlamagateError } from "../../core/errors.js";
import { openAtomicFileWriter } from "../io/atomic-file-writer.js";
import { writeTensorBytes } from "../io/write-tensor-bytes.js";
import type { TensorBytes } from "../tensor.js";
import { ByteWriter, encodeGgufMetadata } from "./encode-gguf-metadata.js";
import { ggmlTensorBytes } from "./ggml-tensor-bytes.js";
import {
  GGML_MAX_DIMS,
  GGML_MAX_NAME,
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  type GgmlWriteType,
  type GgufMetadataEntry,
} from "./gguf-types.js";

/** A tensor to write into a GGUF file; its bytes are produced only when the writer reaches it. */
export interface GgufTensorToWrite extends TensorBytes {
  /** llama.cpp name, e.g. `blk.0.attn_q.weight` (< 64 bytes). */
  name: string;
  ggmlType: GgmlWriteType;
  /** ggml dims, innermost first (numpy shape reversed). */
  ne: readonly number[];
}

const pad = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Stream a GGUF v3 file: header, KV metadata, tensor infos, padding to the alignment, then each
 * tensor's data padded to the alignment, with offsets equal to the running padded total (as
 * llama.cpp's gguf.cpp and gguf-py require). Written to a temp file and renamed when complete.
 */
export async function writeGguf(params: {
  /** Final path of the .gguf file. */
  path: string;
  /** KV pairs in file order (put general.architecture first, as gguf-py does). */
  metadata: readonly GgufMetadataEntry[];
  /** Tensors in file order. */
  tensors: readonly GgufTensorToWrite[];
  /** Data alignment (power of two); written as general.alignment when not the default 32. */
  alignment?: number;
  signal?: AbortSignal;
}): Promise<{ bytes: number }> {
  const { path, tensors, signal } = params;
  const metadata = [...params.metadata];
  const declared = metadata.find((m) => m.key === "general.alignment");
  const alignment = params.alignment ?? (declared?.type === "u32" ? Number(declared.value) : GGUF_DEFAULT_ALIGNMENT);
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new LlamagateError("INVALID_ALIGNMENT", "internal", `GGUF alignment ${alignment} is not a power of two.`);
  }
  if (declared && (declared.type !== "u32" || Number(declared.value) !== alignment)) {
    throw new LlamagateError(
      "INVALID_ALIGNMENT",
      "internal",
      "general.alignment must be a u32 equal to the alignment used.",
    );
  }
  if (!declared && alignment !== GGUF_DEFAULT_ALIGNMENT)
    metadata.push({ key: "general.alignment", type: "u32", value: alignment });

  const w = new ByteWriter();
  w.bytes(new Uint8Array([0x47, 0x47, 0x55, 0x46])); // "GGUF"
  w.u32(3);
  w.u64(BigInt(tensors.length));
  w.u64(BigInt(metadata.length));
  encodeGgufMetadata(w, metadata);
  const sizes: number[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (new TextEncoder().encode(t.name).length >= GGML_MAX_NAME || names.has(t.name) || t.name.length === 0) {
      throw new LlamagateError(
        "INVALID_TENSOR_NAME",
        "internal",
        `GGUF tensor name ${t.name} is empty, too long or repeated.`,
      );
    }
    names.add(t.name);
    if (t.ne.length === 0 || t.ne.length > GGML_MAX_DIMS || !t.ne.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new LlamagateError(
        "INVALID_TENSOR_SHAPE",
        "internal",
        `GGUF tensor ${t.name} has invalid dims [${t.ne.join(", ")}].`,
      );
    }
    const size = ggmlTensorBytes(t.ggmlType, t.ne, t.name);
    w.str(t.name);
    w.u32(t.ne.length);
    for (const n of t.ne) w.u64(BigInt(n));
    w.u32(GGML_TYPES.find((x) => x.name === t.ggmlType)!.id);
    w.u64(BigInt(offset));
    sizes.push(size);
    offset += pad(size, alignment);
  }
  w.zeros(pad(w.length, alignment) - w.length);
  const head = w.result();
  const out = await openAtomicFileWriter({ path, signal });
  try {
    await out.write(head);
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!;
      await writeTensorBytes({ out, name: t.name, size: sizes[i]!, tensor: t });
      const gap = pad(sizes[i]!, alignment) - sizes[i]!;
      if (gap > 0) await out.write(new Uint8Array(gap));
    }
    await out.commit();
    return { bytes: head.length + offset };
  } catch (e) {
    await out.abort();
    throw e;
  }
}
