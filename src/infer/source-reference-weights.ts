import { assembleTensor } from "../model/assemble-tensor.js";
import { createCaster, type InDType } from "../model/create-caster.js";
import type { SourceModel } from "../model/source-model.js";
import type { RawTensor, ReferenceWeights } from "./reference-weights.js";

/**
 * The reference's view of an opened Meta or HF checkpoint: its hyper-parameters, and each tensor
 * merged (Meta shards by the converter's own rules) and widened to f32 when asked for, q/k kept in
 * the source's RoPE layout. Nothing is read until `get`.
 */
export function sourceReferenceWeights(params: {
  /** An opened Meta folder or HF snapshot (see model/open-source-model.ts); the caller closes it. */
  source: SourceModel;
  signal?: AbortSignal;
}): ReferenceWeights {
  const { source, signal } = params;
  const caster = createCaster();
  const byName = new Map(source.tensors.map((t) => [t.canonical, t]));
  type Tensor = SourceModel["tensors"][number];
  // A tensor merged by the shard rules and widened to f32.
  const asF32 = (name: string, t: Tensor) =>
    assembleTensor({
      name,
      parts: t.parts,
      concatDim: t.concatDim,
      from: t.dtype as InDType,
      to: "F32",
      caster,
      ...(signal ? { signal } : {}),
    });
  const d = source.dims;
  return {
    config: {
      dim: d.dim,
      nLayers: d.nLayers,
      nHeads: d.nHeads,
      nKvHeads: d.nKvHeads,
      hiddenDim: d.hiddenDim,
      vocabSize: d.vocabSize,
      normEps: d.normEps,
      ropeTheta: d.ropeTheta,
      ...(d.ropeScaling ? { ropeScaling: d.ropeScaling } : {}),
      ...(d.tieWordEmbeddings ? { tieWordEmbeddings: true } : {}),
    },
    ropeLayout: source.ropeLayout,
    get: async (name) => {
      const t = byName.get(name);
      if (!t) return undefined;
      const bytes = await asF32(name, t);
      const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
      return { shape: t.shape, data: new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4) };
    },
    getRaw: async (name): Promise<RawTensor | undefined> => {
      const t = byName.get(name);
      if (!t) return undefined;
      if (t.dtype !== "F32" && t.dtype !== "F16" && t.dtype !== "BF16")
        return { shape: t.shape, dtype: "F32", bytes: await asF32(name, t) };
      // Stored encoding, straight into shared memory: whole slices read in place where they lie contiguously on
      // disk and follow each other in the tensor (one part, or slices of rows), else merged by the shard rules.
      const total = t.parts.reduce((n, p) => n + p.byteLength, 0);
      const bytes = new Uint8Array(new SharedArrayBuffer(total));
      if ((t.parts.length === 1 || t.concatDim === 0) && t.parts.every((p) => p.readInto)) {
        let at = 0;
        for (const p of t.parts) {
          await p.readInto!(bytes.subarray(at, at + p.byteLength), 0, signal);
          at += p.byteLength;
        }
        return { shape: t.shape, dtype: t.dtype, bytes };
      }
      const merged = await assembleTensor({
        name,
        parts: t.parts,
        concatDim: t.concatDim,
        from: t.dtype,
        to: t.dtype,
        caster,
        scratch: { take: (n) => (n === total ? bytes : new Uint8Array(new SharedArrayBuffer(n))) },
        ...(signal ? { signal } : {}),
      });
      return { shape: t.shape, dtype: t.dtype, bytes: merged };
    },
  };
}
