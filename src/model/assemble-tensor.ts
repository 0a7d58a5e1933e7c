import type { LazyTensor } from "../formats/tensor.js";
import { encodedBytes, type Caster, type InDType, type OutDType } from "./create-caster.js";
import type { Scratch } from "./create-scratch.js";
import { ConversionError } from "./errors.js";
import { qkDestRow, type QkDirection } from "./permute-qk.js";

export interface AssembleTensorParams {
  /** Output tensor name (for messages). */
  name: string;
  /** The tensor, or its model-parallel slices in shard order. */
  parts: readonly LazyTensor[];
  /** Axis the slices are concatenated along (ignored for a single part). */
  concatDim: 0 | 1;
  /** Element type of every part. */
  from: InDType;
  /** Element type to produce. */
  to: OutDType;
  caster: Caster;
  /** Reorder q/k rows within each head (rows of whole heads must be in each part). */
  permute?: { headDim: number; direction: QkDirection };
  /** Reusable output buffer (the result is then a view of it, valid until its next use). */
  scratch?: Scratch;
  signal?: AbortSignal;
}

/** Elements re-encoded per step: bounds the scratch memory beside the output buffer. */
const CHUNK_ELEMENTS = 1 << 20;

/**
 * Build one output tensor's bytes from its slices while holding at most the output buffer, one
 * input slice and a small re-encoding chunk (about 1.5× the tensor for 2 shards). Slices along
 * dim 0 are appended (with q/k rows moved as they are copied); slices along dim 1 are
 * interleaved row by row. Returns the row-major bytes in `to`.
 */
export async function assembleTensor(params: AssembleTensorParams): Promise<Uint8Array> {
  const { name, parts, from, to, caster, permute, signal } = params;
  const first = parts[0];
  if (!first) throw new ConversionError("NO_TENSOR_PARTS", `Tensor ${name} has no data.`);
  const concatDim = parts.length === 1 ? 0 : params.concatDim;
  const shape2 = (t: LazyTensor): [number, number] =>
    t.shape.length === 1 ? [1, t.shape[0]!] : [t.shape[0]!, t.shape.slice(1).reduce((a, b) => a * b, 1)];
  const [firstRows, firstCols] = shape2(first);
  const rows = concatDim === 0 ? parts.reduce((n, p) => n + shape2(p)[0], 0) : firstRows;
  const cols = concatDim === 1 ? parts.reduce((n, p) => n + shape2(p)[1], 0) : firstCols;
  // A single part already in the right order and encoding needs no copy at all.
  if (parts.length === 1 && !permute && from === to) {
    signal?.throwIfAborted();
    return checkLength(name, first, await first.read(signal));
  }
  if (to === "Q8_0" && cols % 32 !== 0) {
    throw new ConversionError(
      "Q8_0_ROW_SIZE",
      `Tensor ${name} has rows of ${cols} values, not a multiple of 32, so it cannot be Q8_0.`,
      {
        hint: "Use --dtype f16 or bf16.",
      },
    );
  }
  // Slices narrower than a Q8_0 block row: assemble f32 first, then quantize whole rows.
  if (to === "Q8_0" && parts.some((p) => shape2(p)[1] % 32 !== 0)) {
    const { scratch: _ignored, ...rest } = params; // the f32 intermediate must not share the buffer
    const f32 = await assembleTensor({ ...rest, to: "F32" });
    return caster.cast(f32, "F32", "Q8_0");
  }
  const outRowBytes = encodedBytes(cols, to);
  const out = params.scratch ? params.scratch.take(rows * outRowBytes) : new Uint8Array(rows * outRowBytes);
  const destRow = (r: number): number => (permute ? qkDestRow(r, permute.headDim, permute.direction) : r);
  // Slices are read one at a time: memory is the output plus one slice.
  let rowOffset = 0;
  let colOffset = 0;
  for (let k = 0; k < parts.length; k++) {
    signal?.throwIfAborted();
    const part = parts[k]!;
    const [pRows, pCols] = shape2(part);
    const bytes = checkLength(name, part, await part.read(signal));
    const inRowBytes = bytes.byteLength / pRows;
    const segBytes = encodedBytes(pCols, to);
    const destCol = encodedBytes(colOffset, to);
    const step = Math.max(1, Math.floor(CHUNK_ELEMENTS / pCols));
    // Whole rows landing in place (dim 0, no permutation): convert straight into the output.
    const contiguous = concatDim === 0 && !permute;
    for (let r0 = 0; r0 < pRows; r0 += step) {
      const r1 = Math.min(pRows, r0 + step);
      const src = bytes.subarray(r0 * inRowBytes, r1 * inRowBytes);
      if (contiguous) {
        const dst = out.subarray((rowOffset + r0) * outRowBytes, (rowOffset + r1) * outRowBytes);
        if (from === to) dst.set(src);
        else caster.castInto(src, from, to, dst);
        continue;
      }
      const enc = caster.cast(src, from, to);
      for (let r = r0; r < r1; r++) {
        const dst = destRow(rowOffset + r) * outRowBytes + destCol;
        out.set(enc.subarray((r - r0) * segBytes, (r - r0 + 1) * segBytes), dst);
      }
    }
    if (concatDim === 0) rowOffset += pRows;
    else colOffset += pCols;
  }
  return out;
}

function checkLength(name: string, t: LazyTensor, bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength !== t.byteLength) {
    throw new ConversionError(
      "TENSOR_SIZE",
      `Tensor ${name} read ${bytes.byteLength} bytes, expected ${t.byteLength}.`,
      {
        hint: "The checkpoint is damaged or incomplete: download it again.",
      },
    );
  }
  return bytes;
}
