import { Worker } from "node:worker_threads";
import { defaultThreads } from "../core/default-threads.js";
import { LlamagateError } from "../core/errors.js";
import { workerModuleUrl } from "../core/worker-module-url.js";
import type { MatMulJob } from "./mat-mul-job.js";
import type { ReferenceWorkerIn, ReferenceWorkerOut } from "./reference-worker.js";
import { workerExecArgv } from "../core/worker-exec-argv.js";

/** Below this many multiply-adds a product runs on one worker (splitting costs more than it saves). */
const SPLIT_MIN_WORK = 1 << 18;

/** Worker threads that compute the reference's matrix products (see createReferencePool). */
export interface ReferencePool {
  /** Number of worker threads. */
  readonly size: number;
  /** Compute job.out = W·xs, the rows split over the workers; resolves when every share is done. */
  matMul(job: MatMulJob): Promise<void>;
  /** Stop the workers (pending products reject). */
  close(): Promise<void>;
}

/**
 * A pool of `size` worker threads (default: the inference thread default, src/core/default-threads.ts) sharing the
 * weights and activations through SharedArrayBuffers: each product's rows are split into one contiguous share per
 * worker. The results do not depend on the pool's size (each row is summed the same way wherever it runs).
 */
export function createReferencePool(params: { /** Worker threads. */ size?: number } = {}): ReferencePool {
  const size = Math.max(1, params.size ?? defaultThreads().threads);
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closed = false;
  const failAll = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const workers = Array.from({ length: size }, () => {
    const worker = new Worker(workerModuleUrl("infer/reference-worker.js"), { execArgv: workerExecArgv() });
    worker.on("message", (m: ReferenceWorkerOut) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.t === "done") p.resolve();
      else p.reject(new LlamagateError("REFERENCE_WORKER_FAILED", "internal", `The reference failed: ${m.message}`));
    });
    worker.on("error", (e) =>
      failAll(new LlamagateError("REFERENCE_WORKER_FAILED", "internal", `A reference worker failed: ${e.message}`)),
    );
    worker.on("exit", () => {
      if (!closed) failAll(new LlamagateError("REFERENCE_WORKER_EXIT", "internal", "A reference worker stopped."));
    });
    return worker;
  });
  const run = (worker: Worker, job: MatMulJob, r0: number, r1: number) =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ t: "matmul", id, job, r0, r1 } satisfies ReferenceWorkerIn);
    });
  return {
    size,
    async matMul(job) {
      if (closed) throw new LlamagateError("REFERENCE_POOL_CLOSED", "internal", "The reference pool is closed.");
      for (const [name, view] of [
        ["weights", job.weights],
        ["xs", job.xs],
        ["out", job.out],
      ] as const) {
        if (!(view.buffer instanceof SharedArrayBuffer))
          throw new RangeError(`matMul: ${name} must be a view of a SharedArrayBuffer`);
      }
      const bytes = job.dtype === "F32" ? 4 : 2;
      if (job.weights.byteLength !== job.rows * job.cols * bytes || job.xs.length < job.n * job.cols)
        throw new RangeError(
          `matMul: buffers do not fit a ${job.rows}×${job.cols} ${job.dtype} matrix and ${job.n} vectors`,
        );
      if (job.out.length < job.n * job.rows) throw new RangeError("matMul: output buffer too small");
      const shares = job.rows * job.cols * job.n < SPLIT_MIN_WORK ? 1 : Math.min(size, job.rows);
      const per = Math.ceil(job.rows / shares);
      const runs: Promise<void>[] = [];
      for (let i = 0; i < shares; i++) {
        const r0 = i * per;
        const r1 = Math.min(job.rows, r0 + per);
        if (r1 > r0) runs.push(run(workers[i]!, job, r0, r1));
      }
      await Promise.all(runs);
    },
    async close() {
      if (closed) return;
      closed = true;
      failAll(new LlamagateError("REFERENCE_POOL_CLOSED", "internal", "The reference pool was closed."));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
