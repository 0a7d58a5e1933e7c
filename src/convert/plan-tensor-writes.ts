import { canonicalOrder } from "../model/canonical-order.js";
import { createCaster, encodedBytes, type InDType, type OutDType } from "../model/create-caster.js";
import { createScratch } from "../model/create-scratch.js";
import type { RopeLayout } from "../model/llama-config.js";
import { loadCastKernel } from "../model/load-cast-kernel.js";
import { mapTensorName, type TensorNaming } from "../model/map-tensor-name.js";
import type { SourceModel, SourceTensor } from "../model/source-model.js";
import type { ConvertEvent } from "./convert-events.js";
import { outputTensors } from "./output-tensors.js";
import { streamTensor } from "./stream-tensor.js";

/** One tensor an output file will hold. */
export interface PlannedTensor {
  /** The source tensor (canonical name, parts, dtype). */
  t: SourceTensor;
  /** Name in the output's naming scheme. */
  name: string;
  /** Element type written. */
  type: OutDType;
  /** Bytes written. */
  bytes: number;
  /** q/k rows move between RoPE layouts on the way. */
  permute: boolean;
}

export interface PlanTensorWritesParams {
  source: SourceModel;
  /** Output naming scheme. */
  naming: Exclude<TensorNaming, "meta">;
  /** RoPE layout the output expects (HF: half-split; GGUF: interleaved). */
  ropeLayout: RopeLayout;
  /** Element type of each output tensor. */
  typeOf: (t: SourceTensor) => OutDType;
  emit: (e: ConvertEvent) => void;
}

/**
 * What both writers share: the tensors to write in model order (output.weight dropped for tied embeddings),
 * their output names, types, sizes and q/k permutation, and a `produce` that streams one tensor through a
 * shared caster (the WebAssembly bf16 → f16 kernel when available) and scratch memory, reporting progress.
 */
export function planTensorWrites(params: PlanTensorWritesParams): {
  tensors: PlannedTensor[];
  totalBytes: number;
  /** The writer's `produce` for one tensor (stops when `signal` aborts). */
  produce(p: PlannedTensor, signal?: AbortSignal): (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>;
} {
  const { source, naming, ropeLayout, typeOf, emit } = params;
  const headDim = source.dims.dim / source.dims.nHeads;
  const tensors = outputTensors(source)
    .sort((a, b) => canonicalOrder(a.canonical, b.canonical))
    .map((t): PlannedTensor => {
      const type = typeOf(t);
      return {
        t,
        name: mapTensorName({ name: t.canonical, from: "meta", to: naming })!,
        type,
        bytes: encodedBytes(
          t.shape.reduce((a, b) => a * b, 1),
          type,
        ),
        permute: source.ropeLayout !== ropeLayout && /\.attention\.w[qk]\.weight$/.test(t.canonical),
      };
    });
  const totalBytes = tensors.reduce((n, p) => n + p.bytes, 0);
  // bf16 → f16 runs in a WebAssembly SIMD kernel, working in place in the scratch memory
  const kernel = loadCastKernel();
  const caster = createCaster(kernel ? { kernel } : {});
  // tensors stream through a few reused chunk buffers, one tensor at a time
  const scratch = createScratch(kernel ? { memory: kernel.memory } : {});
  const direction = ropeLayout === "half-split" ? ("meta-to-hf" as const) : ("hf-to-meta" as const);
  let index = 0;
  let doneBytes = 0;
  return {
    tensors,
    totalBytes,
    produce: (p, signal) => async (sink) => {
      await streamTensor({
        name: p.name,
        parts: p.t.parts,
        concatDim: p.t.concatDim,
        from: p.t.dtype as InDType,
        to: p.type,
        caster,
        scratch,
        sink,
        ...(p.permute ? { permute: { headDim, direction } } : {}),
        ...(signal ? { signal } : {}),
      });
      doneBytes += p.bytes;
      emit({
        type: "tensor",
        name: p.name,
        index: index++,
        count: tensors.length,
        bytes: p.bytes,
        doneBytes,
        totalBytes,
      });
    },
  };
}
