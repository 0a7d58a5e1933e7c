import { Worker } from "node:worker_threads";
import { InterruptedError, LlamagateError, type ErrorCategory } from "../core/errors.js";
import { writeHfTokenizerFiles, type WriteHfTokenizerFilesParams } from "./write-hf-tokenizer-files.js";
import type { ErrorCode } from "../core/error-codes.js";
import { workerExecArgv } from "../core/worker-exec-argv.js";

type WorkerError = { code: ErrorCode; category: ErrorCategory; message: string; hint?: string };
type WorkerReply = { ok: true; files: string[] } | { ok: false; error: WorkerError };

/**
 * writeHfTokenizerFiles() in a worker thread, so the memory it needs is returned to the system
 * before the large tensor buffers are allocated (it would otherwise stay in this process's heap
 * and add to the conversion's peak). An abort terminates the worker at once (the first Ctrl-C
 * stops it, however long the vocabulary takes). Runs in-process when not running from compiled
 * JavaScript (tests execute the TypeScript sources, which a worker cannot load).
 */
export async function writeHfTokenizerFilesIsolated(
  params: WriteHfTokenizerFilesParams & { signal?: AbortSignal },
): Promise<string[]> {
  const { signal, ...workerParams } = params;
  signal?.throwIfAborted();
  const url = new URL("./hf-tokenizer-worker.js", import.meta.url);
  if (!import.meta.url.endsWith(".js")) return writeHfTokenizerFiles(workerParams);
  const worker = new Worker(url, { workerData: workerParams, execArgv: workerExecArgv() });
  let onAbort: (() => void) | undefined;
  try {
    const msg = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`tokenizer worker exited with code ${code}`)));
      onAbort = () =>
        reject(new InterruptedError("Interrupted while writing the tokenizer files.", { cause: signal?.reason }));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    if (msg.ok) return msg.files;
    throw new LlamagateError(
      msg.error.code,
      msg.error.category,
      msg.error.message,
      msg.error.hint ? { hint: msg.error.hint } : {},
    );
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    await worker.terminate();
  }
}
