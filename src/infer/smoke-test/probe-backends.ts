import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LlamagateError } from "../../core/errors.js";
import { workerModuleUrl } from "../../core/worker-module-url.js";

/** One GPU backend node-llama-cpp knows, and whether it works here. */
export interface BackendProbe {
  backend: "cuda" | "vulkan" | "metal";
  usable: boolean;
  /** Why not, or the devices found. */
  detail: string;
}

export interface ProbeBackendsResult {
  backends: BackendProbe[];
  /** node-llama-cpp's version, and the llama.cpp release it ships. */
  engine: string;
}

/**
 * Which GPU backends node-llama-cpp can use on this machine, and why not where it cannot. Loads
 * nothing into this process; never builds from source.
 */
export async function probeBackends(
  params: {
    /** Give up after this long (default 60 s). */
    timeoutMs?: number;
    /** The environment the probe child starts from (GPU runtime variables, library paths). @default process.env */
    env?: NodeJS.ProcessEnv;
    signal?: AbortSignal;
  } = {},
): Promise<ProbeBackendsResult> {
  const timeout = AbortSignal.timeout(params.timeoutMs ?? 60_000);
  const signal = params.signal ? AbortSignal.any([params.signal, timeout]) : timeout;
  // The typed child module (probe-child.ts), without this process's Node flags.
  const child = fork(fileURLToPath(workerModuleUrl("infer/smoke-test/probe-child.js")), [], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    signal,
    env: { ...(params.env ?? process.env), NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true" },
    execArgv: [],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out = (out + d.toString("utf8")).slice(-4000)));
  child.stderr!.on("data", (d: Buffer) => (out = (out + d.toString("utf8")).slice(-4000)));
  let reply: { ok: true; result: ProbeBackendsResult } | { ok: false; message: string } | undefined;
  child.on("message", (m: typeof reply) => (reply ??= m));
  const code = await new Promise<number | null>((resolve) => {
    child.on("error", () => resolve(-1));
    child.on("close", (c) => resolve(c));
  });
  if (reply?.ok) return reply.result;
  const why = reply?.message ?? (out.trim().split("\n").slice(-1)[0] || `exit ${code}`);
  throw new LlamagateError("ENGINE_PROBE_FAILED", "internal", `node-llama-cpp could not be inspected: ${why}`);
}
