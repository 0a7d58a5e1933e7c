import type { TensorSource } from "../formats/tensor.js";
import { checkTensorSet } from "./check-tensor-set.js";
import { ConversionError } from "./errors.js";
import { findTokenizer } from "./find-tokenizer.js";
import { openMetaCheckpoint } from "./open-meta-checkpoint.js";
import type { SourceModel } from "./source-model.js";
import { detectLlama3Version, llama3Release, type Llama3Version } from "./llama3-version.js";
import { basename } from "node:path";

export interface OpenMetaSourceParams {
  /** Folder with params.json and consolidated.NN.pth. */
  dir: string;
  /** Opens one shard (default: the torch zip reader). */
  openShard?: (path: string, signal?: AbortSignal) => Promise<TensorSource>;
  /** Llama 3 release, overriding what the folder name and params.json say. */
  llamaVersion?: Llama3Version | undefined;
  signal?: AbortSignal;
}

/** Open a Meta checkpoint folder as a SourceModel: merged tensors, dims, tokenizer location. */
export async function openMetaSource(params: OpenMetaSourceParams): Promise<SourceModel> {
  const ck = await openMetaCheckpoint(params);
  try {
    const p = ck.params;
    const embed = ck.tensors.find((t) => t.canonical === "tok_embeddings.weight");
    if (!embed || embed.shape.length !== 2 || embed.shape[1] !== p.dim) {
      throw new ConversionError(
        "NOT_LLAMA",
        `The checkpoint has no tok_embeddings.weight of width ${p.dim}; it does not look like a Llama model.`,
        {
          hint: "Point at a Meta Llama model folder (params.json + consolidated.NN.pth).",
        },
      );
    }
    const vocabSize = embed.shape[0]!;
    if (p.vocabSize > 0 && p.vocabSize !== vocabSize) {
      throw new ConversionError(
        "PARAMS_MISMATCH",
        `params.json says vocab_size ${p.vocabSize}, but tok_embeddings.weight has ${vocabSize} rows.`,
        {
          hint: "params.json does not belong to these weights: download it again.",
        },
      );
    }
    const hd = p.dim / p.nHeads;
    for (const t of ck.tensors) {
      // q/k permutation moves rows within heads: every shard must hold whole heads.
      if (/\.attention\.w[qk]\.weight$/.test(t.canonical) && t.parts.some((part) => (part.shape[0] ?? 0) % hd !== 0)) {
        throw new ConversionError(
          "SHARD_MISMATCH",
          `${t.canonical} is split across shards in pieces that are not whole ${hd}-row heads.`,
          {
            hint: "params.json (n_heads / n_kv_heads) does not match these weights.",
          },
        );
      }
    }
    checkTensorSet({
      tensors: ck.tensors.map((t) => ({ canonical: t.canonical, shape: t.shape })),
      dims: { ...p, hiddenDim: ck.hiddenDim, vocabSize },
      configName: "params.json",
    });
    const tokenizerPath = await findTokenizer({ dir: params.dir, searchParent: true });
    const llama3 = ck.family.family === "llama3";
    const version = llama3
      ? detectLlama3Version({
          folderName: basename(params.dir),
          useScaledRope: p.useScaledRope === true,
          dim: p.dim,
          override: params.llamaVersion,
        })
      : undefined;
    const release = version ? llama3Release(version, p.dim) : undefined;
    return {
      kind: "meta",
      dir: params.dir,
      dims: {
        dim: p.dim,
        nLayers: p.nLayers,
        nHeads: p.nHeads,
        nKvHeads: p.nKvHeads,
        hiddenDim: ck.hiddenDim,
        vocabSize,
        normEps: p.normEps,
        ropeTheta: ck.family.ropeTheta,
        contextLength: release?.contextLength ?? ck.family.contextLength,
        ...(release?.ropeScaling ? { ropeScaling: release.ropeScaling } : {}),
        ...(release?.tieWordEmbeddings ? { tieWordEmbeddings: true } : {}),
      },
      ropeLayout: "interleaved",
      tensors: ck.tensors,
      ...(tokenizerPath ? { tokenizerPath } : {}),
      bosTokenId: llama3 ? 128000 : 1,
      eosTokenId: llama3 ? 128001 : 2,
      ...(version ? { llamaVersion: version, tiktoken: true } : {}),
      shardCount: ck.shardPaths.length,
      close: ck.close,
    };
  } catch (e) {
    await ck.close();
    throw e;
  }
}
