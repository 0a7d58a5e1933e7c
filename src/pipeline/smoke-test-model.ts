import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { ggufCacheDir } from "../core/defaults/llamagate-paths.js";
import { LlamagateError, UsageError } from "../core/errors.js";
import type { ConvertEvent } from "../convert/convert-events.js";
import { detectCheckpoint } from "../model/detect-checkpoint.js";
import { smokeTestIter } from "../infer/smoke-test/smoke-test.js";
import type { SmokeTestEvent, SmokeTestParams, SmokeTestResult } from "../infer/smoke-test/types.js";
import { cachedGgufIter } from "./cached-gguf.js";
import { checkSourceVocab } from "./check-source-vocab.js";
import { drainIter } from "../core/drain-iter.js";
import { mapEvents } from "../core/map-events.js";
import { findGgufSource } from "./find-gguf-source.js";
import { recordSmokeResult } from "../provenance/lineage/record-smoke-result.js";

const signalOf = (p: { signal?: AbortSignal }) => (p.signal ? { signal: p.signal } : {});

export interface SmokeTestModelParams extends Omit<SmokeTestParams, "gguf" | "sourceDir"> {
  /** A .gguf file, a Meta download folder or a Hugging Face snapshot / --local-dir folder. */
  path: string;
  /**
   * For a .gguf `path`: the Meta folder or HF snapshot it was converted from. The cross-check then
   * runs the reference on these original weights and compares the tokenizers, so a wrong conversion
   * is caught (without it the reference runs on the GGUF's own weights). Folders are their own source.
   */
  source?: string;
  /** Where GGUFs converted from folders are cached. @default the CLI's: `<data folder of env>/gguf-cache` */
  cacheDir?: string;
}

export type SmokeTestModelEvent =
  | SmokeTestEvent
  | { type: "input"; path: string; kind: "gguf" | "meta" | "hf" }
  | { type: "convert"; event: ConvertEvent }
  | { type: "cache"; path: string; reused: boolean };

export interface SmokeTestModelResult extends SmokeTestResult {
  /** For folders: the cached GGUF that ran, and whether it was already there. */
  cache?: { path: string; reused: boolean };
  /**
   * The original weights the cross-check used: `--source` (`argument`), the folder argument itself (`folder`), or
   * the folder a llamagate-converted GGUF records in its metadata, found unchanged on disk (`gguf-metadata`).
   */
  source?: { path: string; from: "argument" | "folder" | "gguf-metadata" };
  /** A GGUF recorded its source folder but it could not be used (moved, deleted, changed): why. */
  sourceSkipped?: string;
}

/**
 * The smoke-test stage: a GGUF runs as is; a model folder is converted once to a cached GGUF (by the
 * converter) and the cross-check then uses the folder's original weights.
 */
export async function* smokeTestModelIter(
  params: SmokeTestModelParams,
): AsyncGenerator<SmokeTestModelEvent, SmokeTestModelResult, undefined> {
  const { path: given, cacheDir = ggufCacheDir(params.env), source: givenSource, ...rest } = params;
  const path = resolve(given);
  const s = await stat(path).catch(() => undefined);
  if (!s)
    throw new LlamagateError("INPUT_NOT_FOUND", "not-found", `${path} does not exist.`, {
      hint: "Pass a .gguf file or a downloaded model folder.",
    });
  if (!s.isDirectory()) {
    yield { type: "input", path, kind: "gguf" };
    if (givenSource === undefined) {
      // A GGUF llamagate converted records its source folder: check against it while it is still there, unchanged.
      const found = rest.reference === false ? undefined : await findGgufSource({ gguf: path, ...signalOf(params) });
      if (found?.found) {
        await checkSourceVocab({ gguf: path, sourceDir: found.path, ...signalOf(params) });
        const result = yield* smokeTestIter({ ...rest, gguf: path, sourceDir: found.path });
        return recorded(path, { ...result, source: { path: found.path, from: "gguf-metadata" as const } });
      }
      if (found) {
        const sourceSkipped = `skipped: ${found.reason} (pass --source FOLDER where the original weights are now); the reference ran on the GGUF's own weights, which cannot show a wrong conversion`;
        yield { type: "warning", message: `cross-check against the original weights ${sourceSkipped}` };
        const result = yield* smokeTestIter({ ...rest, gguf: path });
        return { ...result, sourceSkipped };
      }
      return recorded(path, yield* smokeTestIter({ ...rest, gguf: path }));
    }
    const sourceDir = resolve(givenSource);
    const st = await stat(sourceDir).catch(() => undefined);
    if (!st?.isDirectory())
      throw new UsageError(`--source ${sourceDir} is not a folder${st ? "" : " (it does not exist)"}.`, {
        code: "SOURCE_NOT_A_FOLDER",
        hint: "Pass the Meta download folder or Hugging Face snapshot the GGUF was converted from.",
      });
    await detectCheckpoint({ dir: sourceDir });
    if (rest.reference !== false) await checkSourceVocab({ gguf: path, sourceDir, ...signalOf(params) });
    const result = yield* smokeTestIter({ ...rest, gguf: path, sourceDir });
    return recorded(path, { ...result, source: { path: sourceDir, from: "argument" as const } });
  }
  if (givenSource !== undefined)
    throw new UsageError("--source is for a .gguf argument; a folder is its own source.", { hint: "Drop --source." });
  const kind = await detectCheckpoint({ dir: path });
  yield { type: "input", path, kind };
  const it = cachedGgufIter({ dir: path, cacheDir, ...(params.signal ? { signal: params.signal } : {}) });
  const cache = yield* mapEvents(it, (event) => ({ type: "convert" as const, event }));
  yield { type: "cache", ...cache };
  if (rest.reference !== false) await checkSourceVocab({ gguf: cache.path, sourceDir: path, ...signalOf(params) });
  const result = yield* smokeTestIter({ ...rest, gguf: cache.path, sourceDir: path });
  return { ...result, cache, source: { path, from: "folder" } };
}

/** A GGUF's passed smoke test, recorded beside it for the BOM (issue 19). */
async function recorded<T extends SmokeTestResult>(gguf: string, result: T): Promise<T> {
  await recordSmokeResult({ gguf, result });
  return result;
}

/** Drain smokeTestModelIter() and return its result. */
export async function smokeTestModel(
  params: SmokeTestModelParams & { onEvent?: (e: SmokeTestModelEvent) => void },
): Promise<SmokeTestModelResult> {
  return drainIter(smokeTestModelIter(params), params.onEvent);
}
