import type { LazyTensor } from "../formats/tensor.js";
import type { AssembleTensorParams } from "../model/assemble-tensor.js";
import { encodedBytes } from "../model/create-caster.js";
import { ConversionError } from "./errors.js";
import { qkDestRow } from "../model/permute-qk.js";

export interface StreamTensorParams extends Omit<AssembleTensorParams, "scratch"> {
  /** Receives the output bytes in order (see TensorBytes.produce in src/formats/tensor.ts). */
  sink: (chunk: Uint8Array) => Promise<void>;
  /** Reused working memory (a few chunks); one per output file. Default: a fresh one. */
  scratch?: { take(bytes: number): Uint8Array };
  /** Target bytes per chunk (default 1 MiB: small enough to stay in the CPU cache between read and write). */
  chunkBytes?: number;
}

/** Output chunk buffers: one being filled, up to two being written. */
const SLOTS = 3;
const DEFAULT_CHUNK_BYTES = 1 << 20;
const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * Produce one output tensor from its model-parallel slices as a stream of small chunks (bands of
 * whole output rows), holding only a few chunk buffers instead of the whole tensor. Each band is
 * read straight from disk into a reused buffer (`LazyTensor.readInto`), then permuted (q/k rows,
 * in whole heads), interleaved (slices along dim 1) and re-encoded while copying. A band that
 * needs none of that is read directly into the output chunk. Resolves when every chunk is written.
 */
export async function streamTensor(params: StreamTensorParams): Promise<void> {
  const { name, parts, from, to, caster, permute, sink, signal } = params;
  const first = parts[0];
  if (!first) throw new ConversionError("NO_TENSOR_PARTS", `Tensor ${name} has no data.`);
  const concatDim = parts.length === 1 ? 0 : params.concatDim;
  const shape2 = (t: LazyTensor): [number, number] =>
    t.shape.length === 1 ? [1, t.shape[0]!] : [t.shape[0]!, t.shape.slice(1).reduce((a, b) => a * b, 1)];
  const dims = parts.map(shape2);
  const rows = concatDim === 0 ? dims.reduce((n, d) => n + d[0], 0) : dims[0]![0];
  const cols = concatDim === 1 ? dims.reduce((n, d) => n + d[1], 0) : dims[0]![1];
  const inItem = from === "F32" ? 4 : 2;
  parts.forEach((p, k) => {
    if (p.byteLength !== dims[k]![0] * dims[k]![1] * inItem) {
      throw new ConversionError(
        "TENSOR_SIZE",
        `Tensor ${name} holds ${p.byteLength} bytes, expected ${dims[k]![0] * dims[k]![1] * inItem}.`,
        {
          hint: "The checkpoint is damaged or incomplete: download it again.",
        },
      );
    }
  });
  if (to === "Q8_0" && cols % 32 !== 0) {
    throw new ConversionError(
      "Q8_0_ROW_SIZE",
      `Tensor ${name} has rows of ${cols} values, not a multiple of 32, so it cannot be Q8_0.`,
      {
        hint: "Use --dtype f16 or bf16.",
      },
    );
  }
  const hd = permute?.headDim ?? 1;
  if (permute && (hd % 2 !== 0 || dims.some((d) => d[0] % hd !== 0))) {
    throw new ConversionError(
      "SHARD_MISMATCH",
      `Tensor ${name} is not made of whole ${hd}-row heads, so its q/k rows cannot be reordered.`,
      {
        hint: "params.json (n_heads / n_kv_heads) does not match these weights.",
      },
    );
  }
  if (rows === 0 || cols === 0) return;
  const inRow = cols * inItem;
  const outRow = encodedBytes(cols, to);
  // Bands of whole rows (whole heads when permuting: rows only move within a head).
  let band = Math.max(1, Math.floor((params.chunkBytes ?? DEFAULT_CHUNK_BYTES) / Math.max(inRow, outRow)));
  if (permute) band = Math.max(hd, band - (band % hd));
  band = Math.min(band, rows);
  // Working memory: SLOTS output chunks, two staging bands in the source encoding (one being read
  // while the other is converted) and an interleave band.
  const outSize = align8(band * outRow);
  const inSize = align8(band * inRow);
  const mem = (params.scratch ?? { take: (n: number) => new Uint8Array(n) }).take(SLOTS * outSize + 3 * inSize);
  const outs = Array.from({ length: SLOTS }, (_, i) => mem.subarray(i * outSize, (i + 1) * outSize));
  const stages = [0, 1].map((i) => mem.subarray(SLOTS * outSize + i * inSize, SLOTS * outSize + (i + 1) * inSize));
  const mix = mem.subarray(SLOTS * outSize + 2 * inSize, SLOTS * outSize + 3 * inSize);

  // The bands in output order: rows r0..r0+n of part k (dim 0), or of every part (k = -1, dim 1).
  const bands: { k: number; r0: number; n: number }[] = [];
  if (concatDim === 0) {
    dims.forEach(([pRows], k) => {
      for (let r0 = 0; r0 < pRows; r0 += band) bands.push({ k, r0, n: Math.min(band, pRows - r0) });
    });
  } else {
    for (let r0 = 0; r0 < rows; r0 += band) bands.push({ k: -1, r0, n: Math.min(band, rows - r0) });
  }
  // Whole rows landing in place unchanged: read straight into the output chunk.
  const direct = concatDim === 0 && !permute && from === to && parts.every((p) => p.readInto);

  // Sources without readInto (strided views, in-memory test sources) are read whole, once.
  const whole = new Map<LazyTensor, Uint8Array>();
  const readBand = async (part: LazyTensor, offset: number, dest: Uint8Array): Promise<Uint8Array> => {
    if (part.readInto) {
      await part.readInto(dest, offset, signal);
      return dest;
    }
    let all = whole.get(part);
    if (!all) {
      all = await part.read(signal);
      if (all.byteLength !== part.byteLength) {
        throw new ConversionError(
          "TENSOR_SIZE",
          `Tensor ${name} read ${all.byteLength} bytes, expected ${part.byteLength}.`,
          {
            hint: "The checkpoint is damaged or incomplete: download it again.",
          },
        );
      }
      whole.set(part, all);
    }
    return all.subarray(offset, offset + dest.byteLength);
  };

  const inflight: (Promise<void> | undefined)[] = new Array(SLOTS).fill(undefined);
  const outFor = async (i: number, bytes: number): Promise<Uint8Array> => {
    const pending = inflight[i % SLOTS];
    inflight[i % SLOTS] = undefined;
    if (pending) await pending; // that buffer's previous write must finish before it is refilled
    return outs[i % SLOTS]!.subarray(0, bytes);
  };
  const submit = (i: number, chunk: Uint8Array) => {
    const p = sink(chunk);
    p.catch(() => undefined); // observed later (outFor or the final drain)
    inflight[i % SLOTS] = p;
  };
  // Row r of a band (whole heads, band start a multiple of the head size) goes to row destRow(r).
  const destRow = (r: number): number => (permute ? qkDestRow(r, permute.headDim, permute.direction) : r);
  /** Re-encode a band of full source rows into an output chunk, moving q/k rows as it goes. */
  const emit = (src: Uint8Array, n: number, out: Uint8Array) => {
    if (!permute) {
      if (from === to) out.set(src.subarray(0, n * inRow));
      else caster.castInto(src.subarray(0, n * inRow), from, to, out);
      return;
    }
    for (let r = 0; r < n; r++) {
      const s = src.subarray(r * inRow, (r + 1) * inRow);
      const d = out.subarray(destRow(r) * outRow, (destRow(r) + 1) * outRow);
      if (from === to) d.set(s);
      else caster.castInto(s, from, to, d);
    }
  };
  /** Read band i: into its output chunk when direct, else into a staging buffer (one view per part along dim 1). */
  const fetch = async (i: number): Promise<Uint8Array[]> => {
    signal?.throwIfAborted();
    const { k, r0, n } = bands[i]!;
    if (direct) {
      const out = await outFor(i, n * outRow);
      await parts[k]!.readInto!(out, r0 * inRow, signal);
      return [out];
    }
    const stage = stages[i % 2]!;
    if (k >= 0) return [await readBand(parts[k]!, r0 * inRow, stage.subarray(0, n * inRow))];
    // along dim 1, rows r0..r0+n of each part are one contiguous run: stage them one after another
    const views: Uint8Array[] = [];
    let at = 0;
    for (let kk = 0; kk < parts.length; kk++) {
      const seg = dims[kk]![1] * inItem;
      views.push(await readBand(parts[kk]!, r0 * seg, stage.subarray(at, at + n * seg)));
      at += n * seg;
    }
    return views;
  };
  /** Convert band i (already read) into its output chunk and start writing it. */
  const convert = async (i: number, srcs: Uint8Array[]) => {
    const { k, n } = bands[i]!;
    if (direct) return submit(i, srcs[0]!);
    const out = await outFor(i, n * outRow);
    if (k >= 0) emit(srcs[0]!, n, out);
    else {
      // interleave the parts' column blocks row by row (straight into the chunk when nothing else changes)
      const target = from === to && !permute ? out : mix;
      let col = 0;
      srcs.forEach((src, kk) => {
        const seg = dims[kk]![1] * inItem;
        for (let r = 0; r < n; r++) target.set(src.subarray(r * seg, (r + 1) * seg), r * inRow + col);
        col += seg;
      });
      if (target === mix) emit(mix, n, out);
    }
    submit(i, out);
  };

  // The next band is read while this one is converted and the previous ones are written.
  let next: Promise<Uint8Array[]> | undefined;
  const run = async () => {
    next = fetch(0);
    next.catch(() => undefined);
    for (let i = 0; i < bands.length; i++) {
      const srcs = await next!;
      next = undefined;
      if (i + 1 < bands.length) {
        next = fetch(i + 1);
        next.catch(() => undefined);
      }
      await convert(i, srcs);
    }
  };

  let failed = false;
  let failure: unknown;
  try {
    await run();
  } catch (e) {
    failed = true;
    failure = e;
  }
  // never return (or let the caller reuse the buffers) while a write is still in flight
  const settled = await Promise.allSettled([...inflight, next].filter((p) => p !== undefined));
  if (failed) throw failure;
  const bad = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (bad) throw bad.reason;
}
