import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { FilesystemError } from "../core/errors.js";
import { openPth } from "../formats/pth/index.js";
import type { DType, TensorSource } from "../formats/tensor.js";
import { computeHiddenDim } from "./compute-hidden-dim.js";
import { describeMetaModel, type MetaModelFamily } from "./describe-meta-model.js";
import { ConversionError } from "./errors.js";
import { metaSplitDim } from "./meta-split-dim.js";
import { readMetaParams, type MetaParams } from "./read-meta-params.js";
import type { SourceTensor } from "./source-model.js";

export interface MetaCheckpoint {
  params: MetaParams;
  family: MetaModelFamily;
  /** Feed-forward width computed from params.json (and checked against w1). */
  hiddenDim: number;
  /** consolidated.NN.pth paths in order. */
  shardPaths: string[];
  /** Merged tensors in shard 0's order, buffers such as rope.freqs excluded. */
  tensors: SourceTensor[];
  close(): Promise<void>;
}

export interface OpenMetaCheckpointParams {
  /** Folder with params.json and consolidated.00.pth … consolidated.NN.pth. */
  dir: string;
  /** Opens one shard (default: the torch zip reader); tests pass in-memory sources. */
  openShard?: (path: string, signal?: AbortSignal) => Promise<TensorSource>;
  signal?: AbortSignal;
}

/**
 * Open a Meta model-parallel checkpoint and describe its merged tensors without reading their
 * data. Checks that every shard holds the same tensors with the same dtype, that replicated
 * tensors agree, and that split tensors agree on every dimension but the split one.
 */
export async function openMetaCheckpoint(params: OpenMetaCheckpointParams): Promise<MetaCheckpoint> {
  const { dir, signal } = params;
  const openShard =
    params.openShard ?? ((path: string, s?: AbortSignal) => openPth({ path, ...(s ? { signal: s } : {}) }));
  const metaParams = await readMetaParams({ dir });
  const family = describeMetaModel(metaParams);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new FilesystemError("READ_FAILED", `Cannot list ${dir}: ${(e as NodeJS.ErrnoException).code ?? "error"}.`, {
      cause: e,
    });
  }
  const shardNames = names.filter((n) => /^consolidated\.\d+\.pth$/.test(n)).sort();
  if (shardNames.length === 0) {
    throw new ConversionError("NO_SHARDS", `${dir} has params.json but no consolidated.NN.pth files.`, {
      hint: "Download the model's consolidated.*.pth files into the same folder.",
    });
  }
  shardNames.forEach((n, i) => {
    if (Number(n.split(".")[1]) !== i) {
      throw new ConversionError(
        "MISSING_SHARD",
        `Shard consolidated.${String(i).padStart(2, "0")}.pth is missing (found ${shardNames.join(", ")}).`,
        {
          hint: "Download every consolidated.NN.pth file of the model.",
        },
      );
    }
  });
  const shardPaths = shardNames.map((n) => join(dir, n));
  const shards: TensorSource[] = [];
  const closeAll = async () => {
    await Promise.all(shards.map((s) => s.close()));
  };
  try {
    for (const p of shardPaths) {
      signal?.throwIfAborted();
      shards.push(await openShard(p, signal));
    }
    const tensors = mergePlan(shards, shardNames, family.embeddingSplitDim);
    const hiddenDim = computeHiddenDim(metaParams);
    const w1 = tensors.find((t) => t.canonical === "layers.0.feed_forward.w1.weight");
    if (w1 && w1.shape[0] !== hiddenDim) {
      throw new ConversionError(
        "PARAMS_MISMATCH",
        `params.json gives a feed-forward width of ${hiddenDim}, but layers.0.feed_forward.w1.weight has ${w1.shape[0]} rows.`,
        {
          hint: "params.json does not belong to these weights: download it again.",
        },
      );
    }
    return { params: metaParams, family, hiddenDim, shardPaths, tensors, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

const FLOAT_DTYPES: readonly DType[] = ["F32", "F16", "BF16"];

function mergePlan(shards: TensorSource[], shardNames: string[], embeddingSplitDim: 0 | 1): SourceTensor[] {
  const first = shards[0]!;
  const out: SourceTensor[] = [];
  for (const t0 of first.tensors) {
    // Buffers Meta's own loader ignores (strict=False): rope.freqs and its Llama 1 variants.
    if (t0.name.endsWith("rope.freqs")) continue;
    if (!FLOAT_DTYPES.includes(t0.dtype)) {
      throw new ConversionError(
        "UNSUPPORTED_DTYPE",
        `Tensor ${t0.name} in ${shardNames[0]} is ${t0.dtype}; only F32, F16 and BF16 weights can be converted.`,
        {
          hint: "This does not look like a Llama checkpoint of float weights.",
        },
      );
    }
    const parts = shards.map((s, i) => {
      const t = s.get(t0.name);
      if (!t) throw disagree(`${shardNames[i]} has no tensor ${t0.name}, which ${shardNames[0]} has`);
      if (t.dtype !== t0.dtype)
        throw disagree(`${t0.name} is ${t0.dtype} in ${shardNames[0]} but ${t.dtype} in ${shardNames[i]}`);
      if (t.shape.length !== t0.shape.length)
        throw disagree(
          `${t0.name} has ${t0.shape.length} dimensions in ${shardNames[0]} but ${t.shape.length} in ${shardNames[i]}`,
        );
      return t;
    });
    const dim = shards.length === 1 ? null : metaSplitDim(t0.name, t0.shape.length, embeddingSplitDim);
    const shape = [...t0.shape];
    parts.forEach((t, i) => {
      t.shape.forEach((d, k) => {
        if (k !== dim && d !== t0.shape[k]) {
          throw disagree(
            `${t0.name} has shape [${t0.shape.join(", ")}] in ${shardNames[0]} but [${t.shape.join(", ")}] in ${shardNames[i]}`,
          );
        }
      });
      if (dim !== null && i > 0) shape[dim]! += t.shape[dim]!;
    });
    out.push({
      canonical: t0.name,
      shape,
      dtype: t0.dtype,
      parts: dim === null ? [parts[0]!] : parts,
      concatDim: dim ?? 0,
    });
  }
  for (let i = 1; i < shards.length; i++) {
    for (const t of shards[i]!.tensors) {
      if (!first.get(t.name)) throw disagree(`${shardNames[i]} has a tensor ${t.name} that ${shardNames[0]} lacks`);
    }
  }
  return out;
}

function disagree(what: string): ConversionError {
  return new ConversionError("SHARD_MISMATCH", `The checkpoint shards disagree: ${what}.`, {
    hint: "The shards come from different models or downloads: download them again (llamagate verify checks them).",
  });
}
