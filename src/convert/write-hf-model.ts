import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { planShards, writeSafetensors, writeSafetensorsIndex, INDEX_FILE } from "../formats/safetensors/index.js";
import { buildGenerationConfig } from "./build-generation-config.js";
import { buildHfConfig } from "./build-hf-config.js";
import type { ConvertEvent } from "./convert-events.js";
import type { OutDType } from "../model/create-caster.js";
import { planTensorWrites } from "./plan-tensor-writes.js";
import type { SourceModel } from "../model/source-model.js";
import { writeHfTokenizerFilesIsolated } from "./write-hf-tokenizer-files-isolated.js";
import { llama3TokenIds } from "./llama3-token-ids.js";

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
  const { source, dir, dtype, maxShardBytes, emit, signal } = params;
  const writes = planTensorWrites({ source, naming: "hf", ropeLayout: "half-split", typeOf: () => dtype, emit });
  const plan = planShards({
    tensors: writes.tensors.map((p) => ({ name: p.name, byteLength: p.bytes })),
    maxShardBytes,
  });
  emit({
    type: "plan",
    source: source.kind,
    target: "hf",
    dtype,
    tensors: writes.tensors.length,
    bytes: plan.totalSize,
    inputShards: source.shardCount,
  });
  const byName = new Map(writes.tensors.map((p) => [p.name, p]));
  const writeTensors = async (signal: AbortSignal): Promise<string[]> => {
    const files: string[] = [];
    for (const shard of plan.shards) {
      const path = join(dir, shard.fileName);
      const { bytes } = await writeSafetensors({
        path,
        metadata: { format: "pt" },
        signal,
        tensors: shard.tensors.map((name) => {
          const p = byName.get(name)!;
          return { name, dtype, shape: p.t.shape, produce: writes.produce(p, signal) };
        }),
      });
      files.push(shard.fileName);
      emit({ type: "file", path: shard.fileName, bytes });
    }
    if (plan.needsIndex) {
      await writeSafetensorsIndex({
        path: join(dir, INDEX_FILE),
        weightMap: plan.weightMap,
        totalSize: plan.totalSize,
        signal,
      });
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
  await json(
    "generation_config.json",
    buildGenerationConfig({ ...ids, contextLength: d.contextLength, chat, llama3: llama3 !== undefined }),
  );
  if (source.tokenizerPath) {
    const tok = {
      tokenizerPath: source.tokenizerPath,
      dir,
      contextLength: d.contextLength,
      chat,
      vocabSize: d.vocabSize,
    };
    const abort = params.signal ? { signal: params.signal } : {};
    for (const f of await writeHfTokenizerFilesIsolated({ ...tok, llamaVersion: source.llamaVersion, ...abort })) {
      files.push(f);
      emit({ type: "file", path: f, bytes: (await stat(join(dir, f))).size });
    }
  } else {
    emit({
      type: "warning",
      message: "No tokenizer.model next to the weights (or in the parent folder): tokenizer files were not written.",
    });
  }
  return files;
}
