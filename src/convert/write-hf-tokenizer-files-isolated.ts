import { Worker } from "node:worker_threads";
import { LlamagateError, type ErrorCategory } from "../core/errors.js";
import { writeHfTokenizerFiles, type WriteHfTokenizerFilesParams } from "./write-hf-tokenizer-files.js";

/**
 * writeHfTokenizerFiles() in a worker thread, so the memory it needs is returned to the system
 * before the large tensor buffers are allocated (it would otherwise stay in this process's heap
 * and add to the conversion's peak). Runs in-process when not running from compiled JavaScript
 * (tests execute the TypeScript sources, which a worker cannot load).
 */
export async function writeHfTokenizerFilesIsolated(params: WriteHfTokenizerFilesParams): Promise<string[]> {
  const url = new URL("./hf-tokenizer-worker.js", import.meta.url);
  if (!import.meta.url.endsWith(".js")) return writeHfTokenizerFiles(params);
  const worker = new Worker(url, { workerData: params });
  try {
    const msg = await new Promise<{ ok: true; files: string[] } | { ok: false; error: { code: string; category: ErrorCategory; message: string; hint?: string } }>(
      (resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`tokenizer worker exited with code ${code}`)));
      },
    );
    if (msg.ok) return msg.files;
    throw new LlamagateError(msg.error.code, msg.error.category, msg.error.message, msg.error.hint ? { hint: msg.error.hint } : {});
  } finally {
    await worker.terminate();
  }
}
