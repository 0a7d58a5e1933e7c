import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { planShards, writeSafetensors, writeSafetensorsIndex, INDEX_FILE } from "../formats/safetensors/index.js";
import { buildGenerationConfig } from "./build-generation-config.js";
import { buildHfConfig } from "./build-hf-config.js";
import { canonicalOrder } from "../model/canonical-order.js";
import type { ConvertEvent } from "./convert-events.js";
import { createCaster, encodedBytes, type InDType, type OutDType } from "../model/create-caster.js";
import { createScratch } from "../model/create-scratch.js";
import { loadCastKernel } from "../model/load-cast-kernel.js";
import { mapTensorName } from "../model/map-tensor-name.js";
import { streamTensor } from "./stream-tensor.js";
import type { SourceModel } from "../model/source-model.js";
import { writeHfTokenizerFilesIsolated } from "./write-hf-tokenizer-files-isolated.js";
import { llama3TokenIds } from "./llama3-token-ids.js";
import { outputTensors } from "./output-tensors.js";

export interface WriteHfModelParams {
  source: SourceModel;
  /** Empty folder to write into (the caller renames it into place). */
  dir: string;
  dtype: Exclude<OutDType, "Q8_0">;
  /** Write the chat template and chat generation defaults. */
  chat: boolean;
  /** Largest safetensors shard (transformers' default 5 GB). */
  maxShardBytes: number;
  emit: (e: ConvertEvent) => void;
  signal?: AbortSignal;
}

/**
 * Write a transformers snapshot: sharded safetensors (+ index), config.json,
 * generation_config.json and tokenizer files. q/k rows move to the half-split RoPE layout.
 * Returns the files written (relative names).
 */
export async function writeHfModel(params: WriteHfModelParams): Promise<string[]> {
  const { source, dir, dtype, chat, maxShardBytes, emit, signal } = params;
  const d = source.dims;
  const headDim = d.dim / d.nHeads;
  const tensors = outputTensors(source).sort((a, b) => canonicalOrder(a.canonical, b.canonical));
  const planned = tensors.map((t) => ({
    t,
    name: mapTensorName({ name: t.canonical, from: "meta", to: "hf" })!,
    byteLength: encodedBytes(t.shape.reduce((a, b) => a * b, 1), dtype),
    permute: source.ropeLayout === "interleaved" && /\.attention\.w[qk]\.weight$/.test(t.canonical),
  }));
  const plan = planShards({ tensors: planned.map((p) => ({ name: p.name, byteLength: p.byteLength })), maxShardBytes });
  emit({ type: "plan", source: source.kind, target: "hf", dtype, tensors: planned.length, bytes: plan.totalSize, inputShards: source.shardCount });
  const byName = new Map(planned.map((p) => [p.name, p]));
  const writeTensors = async (signal: AbortSignal): Promise<string[]> => {
    const files: string[] = [];
    // bf16 → f16 runs in a WebAssembly SIMD kernel, working in place in the scratch memory
    const kernel = loadCastKernel();
    const caster = createCaster(kernel ? { kernel } : {});
    // tensors stream through a few reused chunk buffers, one tensor at a time
    const scratch = createScratch(kernel ? { memory: kernel.memory } : {});
    let index = 0;
    let doneBytes = 0;
    for (const shard of plan.shards) {
      const path = join(dir, shard.fileName);
      const { bytes } = await writeSafetensors({
        path,
        metadata: { format: "pt" },
        signal,
        tensors: shard.tensors.map((name) => {
          const p = byName.get(name)!;
          return {
            name,
            dtype,
            shape: p.t.shape,
            produce: async (sink: (chunk: Uint8Array) => Promise<void>) => {
              await streamTensor({
                name,
                parts: p.t.parts,
                concatDim: p.t.concatDim,
                from: p.t.dtype as InDType,
                to: dtype,
                caster,
                scratch,
                sink,
                ...(p.permute ? { permute: { headDim, direction: "meta-to-hf" as const } } : {}),
                signal,
              });
              doneBytes += p.byteLength;
              emit({ type: "tensor", name, index: index++, count: planned.length, bytes: p.byteLength, doneBytes, totalBytes: plan.totalSize });
            },
          };
        }),
      });
      files.push(shard.fileName);
      emit({ type: "file", path: shard.fileName, bytes });
    }
    if (plan.needsIndex) {
      await writeSafetensorsIndex({ path: join(dir, INDEX_FILE), weightMap: plan.weightMap, totalSize: plan.totalSize, signal });
      files.push(INDEX_FILE);
    }
    return files;
  };

  // The side files (config, tokenizer: built in a worker thread) are written while the tensors
  // stream; a bad tokenizer stops the tensor writing at once. Streaming holds only a few MB, so the
  // tokenizer's memory no longer meets large tensor buffers.
  const stop = new AbortController();
  const forward = () => stop.abort(signal?.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener("abort", forward, { once: true });
  const side = writeSideFiles(params).catch((e: unknown) => {
    stop.abort();
    throw e;
  });
  const tensorFiles = writeTensors(stop.signal);
  const [sideResult, tensorResult] = await Promise.allSettled([side, tensorFiles]);
  signal?.removeEventListener("abort", forward);
  if (sideResult.status === "rejected") throw sideResult.reason;
  if (tensorResult.status === "rejected") throw tensorResult.reason;
  return [...sideResult.value, ...tensorResult.value];
}

/** config.json, generation_config.json and the tokenizer files. Returns the names written. */
async function writeSideFiles(params: WriteHfModelParams): Promise<string[]> {
  const { source, dir, dtype, chat, emit } = params;
  const d = source.dims;
  const files: string[] = [];
  const json = async (name: string, value: unknown) => {
    await writeFile(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
    files.push(name);
    emit({ type: "file", path: name, bytes: (await stat(join(dir, name))).size });
  };
  const llama3 = source.llamaVersion ? llama3TokenIds(source.llamaVersion, chat) : undefined;
  const ids = { bosTokenId: source.bosTokenId, eosTokenId: llama3?.stopIds ?? source.eosTokenId };
  await json("config.json", buildHfConfig({ ...d, ...ids, dtype }));
  await json("generation_config.json", buildGenerationConfig({ ...ids, contextLength: d.contextLength, chat, llama3: llama3 !== undefined }));
  if (source.tokenizerPath) {
    const tok = { tokenizerPath: source.tokenizerPath, dir, contextLength: d.contextLength, chat, vocabSize: d.vocabSize };
    for (const f of await writeHfTokenizerFilesIsolated({ ...tok, llamaVersion: source.llamaVersion })) {
      files.push(f);
      emit({ type: "file", path: f, bytes: (await stat(join(dir, f))).size });
    }
  } else {
    emit({ type: "warning", message: "No tokenizer.model next to the weights (or in the parent folder): tokenizer files were not written." });
  }
  return files;
}
