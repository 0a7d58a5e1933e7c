/**
 * Worker entry for writeHfTokenizerFilesIsolated(): builds the tokenizer files in a worker whose
 * heap (tens of MB of vocabulary and merge strings) is released when it exits.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isLlamagateError } from "../core/errors.js";
import { writeHfTokenizerFiles, type WriteHfTokenizerFilesParams } from "./write-hf-tokenizer-files.js";

writeHfTokenizerFiles(workerData as WriteHfTokenizerFilesParams).then(
  (files) => parentPort!.postMessage({ ok: true, files }),
  (e: unknown) =>
    parentPort!.postMessage({
      ok: false,
      error: isLlamagateError(e)
        ? { code: e.code, category: e.category, message: e.message, hint: e.hint }
        : { code: "INTERNAL", category: "internal", message: e instanceof Error ? e.message : String(e) },
    }),
);
