/**
 * A worker thread of the reference forward pass (started by create-reference-pool.ts from the compiled
 * dist/infer/reference-worker.js): multiplies its share of a weight matrix's rows with the activations, both in
 * shared memory, with the SIMD kernel.
 *
 * Messages in:  {t:"matmul", id, job, r0, r1}
 * Messages out: {t:"done", id} | {t:"error", id, message}
 */
import { parentPort } from "node:worker_threads";
import { loadMatMulKernel } from "./load-matmul-kernel.js";
import { matMulBlock } from "./mat-mul-block.js";
import type { MatMulJob } from "./mat-mul-job.js";

export interface ReferenceWorkerIn {
  t: "matmul";
  id: number;
  job: MatMulJob;
  r0: number;
  r1: number;
}

export type ReferenceWorkerOut = { t: "done"; id: number } | { t: "error"; id: number; message: string };

const kernel = loadMatMulKernel();
const port = parentPort;

port?.on("message", (m: ReferenceWorkerIn) => {
  try {
    matMulBlock({ kernel, job: m.job, r0: m.r0, r1: m.r1 });
    port.postMessage({ t: "done", id: m.id } satisfies ReferenceWorkerOut);
  } catch (e) {
    port.postMessage({
      t: "error",
      id: m.id,
      message: String((e as Error)?.message ?? e),
    } satisfies ReferenceWorkerOut);
  }
});
