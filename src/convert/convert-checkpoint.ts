import { stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InterruptedError, isLlamagateError, UsageError } from "../core/errors.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import type { ConvertEvent, ConvertResult } from "./convert-events.js";
import type { OutDType } from "../model/create-caster.js";
import { parseOutDType } from "../model/parse-out-dtype.js";
import { eventChannel } from "../core/event-channel.js";
import { openSourceModel } from "../model/open-source-model.js";
import type { Llama3Version } from "../model/llama3-version.js";
import { prepareOutput } from "./prepare-output.js";
import { writeGgufModel } from "./write-gguf-model.js";
import { writeHfModel } from "./write-hf-model.js";
import { drainIter } from "../core/drain-iter.js";

export interface ConvertCheckpointParams {
  /** Model folder: Meta (params.json + consolidated.NN.pth) or Hugging Face (config.json + *.safetensors). */
  input: string;
  /** Output format. */
  to: "hf" | "gguf";
  /** Element type of the weights written, either case ("q8_0" = "Q8_0"); default: the source's. Q8_0: GGUF only. */
  dtype?: OutDType | Lowercase<OutDType>;
  /**
   * Output folder (hf) or file (gguf); default `<input>-hf` or `<input>-<dtype>.gguf` beside the input, and for a
   * Hugging Face cache snapshot `<repo-name>-<dtype>.gguf` in the current folder.
   */
  out?: string;
  /** Replace an existing output. */
  force?: boolean;
  /**
   * Treat as a chat model (chat template); default: the folder name contains "chat" or an HF snapshot ships a
   * template.
   */
  chat?: boolean;
  /** Llama 3 release of a Meta checkpoint (3, 3.1, 3.2, 3.3), overriding the folder name and params.json. */
  llamaVersion?: Llama3Version;
  /** Largest safetensors shard in bytes (default 5e9, as transformers). */
  maxShardBytes?: number;
  signal?: AbortSignal;
}

/**
 * Convert a checkpoint one tensor (or shard slice) at a time, into a temp location beside the
 * output that is renamed into place only when everything is written. Yields progress events;
 * returns what was written.
 */
export async function* convertCheckpointIter(
  params: ConvertCheckpointParams,
): AsyncGenerator<ConvertEvent, ConvertResult, undefined> {
  // Our own signal: aborted by the caller's, or when the consumer stops iterating early.
  const inner = new AbortController();
  const onAbort = () => inner.abort();
  params.signal?.addEventListener("abort", onAbort, { once: true });
  if (params.signal?.aborted) inner.abort();
  try {
    return yield* convert(params, inner);
  } catch (e) {
    if (inner.signal.aborted && !isLlamagateError(e))
      throw new InterruptedError("Conversion interrupted; nothing was written.", {
        cause: e,
        hint: "Run the same command again.",
      });
    throw e;
  } finally {
    params.signal?.removeEventListener("abort", onAbort);
  }
}

async function* convert(
  params: ConvertCheckpointParams,
  inner: AbortController,
): AsyncGenerator<ConvertEvent, ConvertResult, undefined> {
  const started = performance.now();
  const { to } = params;
  const signal = inner.signal;
  const input = resolve(params.input);
  const wanted = params.dtype === undefined ? undefined : parseOutDType(params.dtype);
  if (wanted === "Q8_0" && to === "hf") {
    throw new UsageError("--dtype q8_0 is only available with --to gguf.", {
      hint: "Use f32, f16 or bf16 for Hugging Face output.",
    });
  }
  const source = await openSourceModel({
    dir: input,
    llamaVersion: params.llamaVersion,
    ...(signal ? { signal } : {}),
  });
  try {
    if (source.kind === "hf" && to === "hf") {
      throw new UsageError(`${input} is already a Hugging Face snapshot.`, {
        hint: "Use --to gguf, or point at a Meta checkpoint folder.",
      });
    }
    const srcDtype = source.tensors.find((t) => t.canonical === "tok_embeddings.weight")!.dtype as OutDType;
    const dtype = wanted ?? srcDtype;
    // A Hugging Face cache snapshot (…/models--org--name/snapshots/<commit>) is not a place to write into:
    // its GGUF goes to <name>-<dtype>.gguf in the current folder.
    const snapshot = /[\\/]models--[^\\/]+?--([^\\/]+)[\\/]snapshots[\\/][^\\/]+$/.exec(input)?.[1];
    const ggufName = `${snapshot ?? basename(input)}-${dtype.toLowerCase()}.gguf`;
    const out = resolve(
      params.out ?? (to === "hf" ? `${input}-hf` : snapshot ? ggufName : join(dirname(input), ggufName)),
    );
    const prepared = await prepareOutput({
      out,
      kind: to === "hf" ? "dir" : "file",
      force: params.force ?? false,
      input,
    });
    let committed = false;
    try {
      const chat = params.chat ?? (/chat|instruct/i.test(basename(input)) || source.chatTemplate !== undefined);
      const files = yield* eventChannel<ConvertEvent, string[]>(
        async (emit) => {
          if (to === "hf") {
            return writeHfModel({
              source,
              dir: prepared.tempPath,
              dtype: dtype as Exclude<OutDType, "Q8_0">,
              chat,
              maxShardBytes: params.maxShardBytes ?? 5e9,
              emit,
              ...(signal ? { signal } : {}),
            });
          }
          await writeGgufModel({
            source,
            path: prepared.tempPath,
            displayPath: out,
            dtype,
            name: basename(input),
            chat,
            emit,
            ...(signal ? { signal } : {}),
          });
          return [];
        },
        () => inner.abort(),
      );
      signal?.throwIfAborted();
      await prepared.commit();
      committed = true;
      const written = to === "hf" ? files.map((f) => join(out, f)) : [out];
      let bytes = 0;
      for (const f of written) bytes += (await stat(f)).size;
      return {
        source: source.kind,
        target: to,
        dtype,
        output: out,
        files: written,
        tensors: source.tensors.length,
        bytes,
        seconds: (performance.now() - started) / 1000,
      };
    } catch (e) {
      // Config and tokenizer files are written with plain fs calls: a full disk there is DISK_FULL too.
      throw filesystemErrorFrom(e, out, "write", { flag: "--out", kept: "nothing was written under the final name" });
    } finally {
      // also runs when the consumer stops iterating early: no temp output is left behind
      if (!committed) await prepared.abort();
    }
  } finally {
    await source.close();
  }
}

/** Drain convertCheckpointIter() and return its result. */
export async function convertCheckpoint(
  params: ConvertCheckpointParams & { onEvent?: (e: ConvertEvent) => void },
): Promise<ConvertResult> {
  return drainIter(convertCheckpointIter(params), params.onEvent);
}
