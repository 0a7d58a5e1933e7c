import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { convertCheckpointIter } from "../convert/convert-checkpoint.js";
import { recordConversion } from "./record-conversion.js";
import { parseOutDType } from "../model/parse-out-dtype.js";
import type { OutDType } from "../model/create-caster.js";
import { openSourceModel } from "../model/open-source-model.js";
import type { PipelineConvertOutput, PipelineEvent } from "./pipeline-types.js";
import { mapEvents } from "../core/map-events.js";

export interface ConvertStageParams {
  /** The verified model folder (Meta model folder or HF snapshot / local dir). */
  input: string;
  to: "hf" | "gguf";
  /** Element type; default: the source's. */
  dtype?: OutDType | Lowercase<OutDType>;
  /** Output path; default beside the input, or in `outDir` named after `name`. */
  out?: string;
  /** Folder for the default output, used with `name` (a Hub cache snapshot must not get files written into it). */
  outDir?: string;
  /** Base name of the default output in `outDir` (e.g. the repo's name). */
  name?: string;
  signal?: AbortSignal;
}

/**
 * Convert unless the output is already there and newer than every input file (weights, params/config,
 * tokenizer): then it is kept as it is (`converted: false`). A stale output is replaced.
 */
export async function* convertStage(p: ConvertStageParams): AsyncGenerator<PipelineEvent, PipelineConvertOutput> {
  const input = resolve(p.input);
  const source = await openSourceModel({ dir: input, ...(p.signal ? { signal: p.signal } : {}) });
  let dtype: OutDType;
  let tokenizer: string | undefined;
  try {
    dtype = p.dtype
      ? parseOutDType(p.dtype)
      : (source.tensors.find((t) => t.canonical === "tok_embeddings.weight")!.dtype as OutDType);
    tokenizer = source.tokenizerPath;
  } finally {
    await source.close();
  }
  const suffix = p.to === "hf" ? "-hf" : `-${dtype.toLowerCase()}.gguf`;
  const out = resolve(
    p.out ??
      (p.outDir !== undefined
        ? join(p.outDir, `${p.name ?? basename(input)}${suffix}`)
        : join(dirname(input), `${basename(input)}${suffix}`)),
  );
  const newestInput = await newestMtime(input, tokenizer);
  const outputTime = await outputMtime(out, p.to);
  if (outputTime !== undefined && outputTime > newestInput) {
    return { path: out, format: p.to, dtype, bytes: await outputBytes(out, p.to), input, converted: false };
  }
  const it = convertCheckpointIter({
    input,
    to: p.to,
    dtype,
    out,
    force: outputTime !== undefined,
    ...(p.signal ? { signal: p.signal } : {}),
  });
  const done = yield* mapEvents(it, (event) => ({ type: "convert-event" as const, event }));
  await recordConversion({ result: done, input, ...(p.signal ? { signal: p.signal } : {}) });
  return { path: done.output, format: p.to, dtype: done.dtype, bytes: done.bytes, input, converted: true };
}

/** Newest mtime of the model's files (hidden files and sub-folders aside) and its tokenizer. */
async function newestMtime(dir: string, tokenizer: string | undefined): Promise<number> {
  let newest = 0;
  const names = (await readdir(dir)).filter((n) => !n.startsWith("."));
  for (const path of [...names.map((n) => join(dir, n)), ...(tokenizer ? [tokenizer] : [])]) {
    const st = await stat(path).catch(() => undefined);
    if (st?.isFile()) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/** When the output was written: the GGUF's mtime, or the oldest file of an HF output folder; undefined if absent. */
async function outputMtime(out: string, to: "hf" | "gguf"): Promise<number | undefined> {
  const st = await stat(out).catch(() => undefined);
  if (!st) return undefined;
  if (to === "gguf") return st.isFile() ? st.mtimeMs : undefined;
  if (!st.isDirectory()) return undefined;
  const names = await readdir(out);
  if (!names.includes("config.json")) return undefined;
  let oldest = Infinity;
  for (const n of names) oldest = Math.min(oldest, (await stat(join(out, n))).mtimeMs);
  return oldest;
}

async function outputBytes(out: string, to: "hf" | "gguf"): Promise<number> {
  if (to === "gguf") return (await stat(out)).size;
  let total = 0;
  for (const n of await readdir(out)) total += (await stat(join(out, n))).size;
  return total;
}
