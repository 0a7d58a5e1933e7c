import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { InterruptedError } from "../../core/errors.js";
import { formatBytes } from "../../core/format-bytes.js";
import { workerModuleUrl } from "../../core/worker-module-url.js";
import { SmokeInputError, SmokeTestFailedError } from "./errors.js";
import { llamaChildEnv } from "./llama-child-env.js";
import type {
  LlamaChildDone,
  LlamaChildError,
  LlamaChildEvent,
  LlamaChildJob,
  LlamaChildMessage,
} from "./llama-child-protocol.js";

/** A child that finished a job stays this long for the next one (same environment and GPU setting). */
const IDLE_MS = 10_000;
/** At most this many such children wait at once (smoke tests run one or two at a time). */
const MAX_IDLE = 2;

interface IdleChild {
  child: ChildProcess;
  key: string;
  timer: NodeJS.Timeout;
  onExit: () => void;
}

/**
 * Children waiting for their next job. Starting node-llama-cpp (its import and its binary check, ~0.9 s of CPU here)
 * is most of a small model's smoke test, so a process that runs several (provisioning, a test suite) reuses a
 * child that ended its last job with "done"; a child that reported an error or crashed is never reused. The child
 * is crash containment and keeps secrets out (its allow-listed environment is part of the key), not a sandbox: it
 * runs as the same user, so a second job in it trusts it no more than the first did. A waiting child never keeps
 * this process alive and leaves when this process does (its IPC channel closes).
 */
const idle: IdleChild[] = [];

/** Keep (or stop keeping) this process alive for the child's handles. */
function holdProcessFor(child: ChildProcess, hold: boolean): void {
  for (const h of [child, child.channel, child.stdout, child.stderr] as ({ ref?(): void; unref?(): void } | null)[])
    if (hold) h?.ref?.();
    else h?.unref?.();
}

function takeChild(env: NodeJS.ProcessEnv, key: string): ChildProcess {
  for (;;) {
    const i = idle.findIndex((x) => x.key === key);
    if (i < 0) break;
    const { child, timer, onExit } = idle.splice(i, 1)[0]!;
    clearTimeout(timer);
    child.off("exit", onExit);
    if (!child.connected || child.exitCode !== null || child.signalCode !== null) continue;
    holdProcessFor(child, true);
    return child;
  }
  // The typed child module (llama-child.ts), without this process's Node flags: node-llama-cpp starts helper
  // processes with the child's execArgv.
  return fork(fileURLToPath(workerModuleUrl("infer/smoke-test/llama-child.js")), [], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env,
    execArgv: [],
  });
}

function park(child: ChildProcess, key: string): void {
  const release = (x: IdleChild) => {
    const i = idle.indexOf(x);
    if (i >= 0) idle.splice(i, 1);
    clearTimeout(x.timer);
    x.child.off("exit", x.onExit);
    if (x.child.connected) x.child.disconnect(); // the child exits once its channel closes
  };
  if (idle.length >= MAX_IDLE) release(idle[0]!);
  holdProcessFor(child, false);
  const entry: IdleChild = {
    child,
    key,
    timer: setTimeout(() => release(entry), IDLE_MS),
    onExit: () => release(entry),
  };
  entry.timer.unref();
  child.once("exit", entry.onExit);
  idle.push(entry);
}

/**
 * Run the model in a child process; yields backend/loaded/token events and returns the run's
 * numbers. A child that dies (native abort) becomes an error naming what it printed.
 */
export async function* runLlamaChild(params: {
  /** What to run. */
  job: LlamaChildJob;
  /** The caller's environment; the child gets its allow-listed part. @default process.env */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): AsyncGenerator<LlamaChildEvent, LlamaChildDone, undefined> {
  const { job, signal } = params;
  signal?.throwIfAborted();
  const env = llamaChildEnv(params.env ?? process.env);
  const key = JSON.stringify([job.gpu, Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
  const child = takeChild(env, key);
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString("utf8")).slice(-4000);
  };
  const onAbort = () => child.kill("SIGKILL");
  let loaded = false;
  let finished = false;
  // Messages arrive on the child's channel; the generator hands them out in order.
  const queue: LlamaChildMessage[] = [];
  let wake: (() => void) | undefined;
  let ended: Error | undefined;
  const onMessage = (m: LlamaChildMessage) => {
    queue.push(m);
    wake?.();
  };
  const onError = (e: Error) => {
    ended ??= e;
    wake?.();
  };
  const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
    ended ??= signal?.aborted
      ? new InterruptedError("Smoke test interrupted.")
      : crashError(job.modelPath, loaded, code, sig, output);
    wake?.();
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  signal?.addEventListener("abort", onAbort, { once: true });
  child.on("message", onMessage);
  child.on("error", onError);
  child.on("exit", onExit);
  child.send(job);
  try {
    for (;;) {
      const m = queue.shift();
      if (!m) {
        if (ended) throw ended;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      if (m.t === "done") {
        const { t: _t, ...done } = m;
        finished = true;
        return done;
      }
      if (m.t === "error") throw childError(m, job.modelPath, job.memoryLimitBytes);
      if (m.t === "tokens") {
        for (let i = 0; i < m.ids.length; i++)
          yield { t: "token", index: m.from + i, id: m.ids[i]!, text: m.texts[i] ?? "" };
        continue;
      }
      if (m.t === "loaded") loaded = true;
      yield m;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    child.stdout!.off("data", keep);
    child.stderr!.off("data", keep);
    child.off("message", onMessage);
    child.off("error", onError);
    child.off("exit", onExit);
    // A finished child waits for the next job; any other is stopped.
    if (finished && child.connected) park(child, key);
    else if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

function childError(m: LlamaChildError, path: string, limit: number | undefined): Error {
  if (m.kind === "no-gpu") {
    return new SmokeTestFailedError(
      "NO_GPU",
      `--device gpu: no GPU backend is usable on this machine (${m.message}).`,
      {
        hint:
          "Install the GPU driver (NVIDIA: driver + CUDA 12 runtime; or a Vulkan driver), or use --device auto / cpu. " +
          "`llamagate doctor` shows what is missing.",
      },
    );
  }
  if (m.kind === "oom") {
    // With a memory limit, that limit is what was compared: say so, not "is available".
    const numbers =
      m.needed !== undefined && m.available !== undefined
        ? `: it needs about ${formatBytes(m.needed)}, ${limit !== undefined ? `and the memory limit is ${formatBytes(m.available)}` : `${formatBytes(m.available)} is available`}`
        : "";
    const message = `The model does not fit in ${m.where ?? "memory"}${numbers}.${m.message ? ` (${m.message})` : ""}`;
    return new SmokeTestFailedError("OUT_OF_MEMORY", message, {
      hint: "Use a smaller or quantized model (convert --dtype q8_0), free memory, or run on a machine with more.",
      details: { neededBytes: m.needed, availableBytes: m.available, where: m.where },
    });
  }
  if (m.kind === "load") {
    return new SmokeInputError("GGUF_LOAD_FAILED", `llama.cpp cannot load ${path}: ${m.message}`, {
      hint: "Check that the file is a complete GGUF of an architecture llama.cpp supports; re-convert it with llamagate convert --to gguf.",
    });
  }
  return new SmokeTestFailedError("INFERENCE_FAILED", `Inference on ${path} failed: ${m.message}`, {
    hint: "Run llamagate doctor, then try --device cpu.",
  });
}

function crashError(
  path: string,
  loaded: boolean,
  code: number | null,
  sig: NodeJS.Signals | null,
  output: string,
): Error {
  const tail = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("[node-llama-cpp] The prebuilt binary"))
    .slice(-2)
    .join(" / ");
  const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
  const msg = `llama.cpp ${how} while ${loaded ? "generating from" : "loading"} ${path}${tail ? ` (${tail})` : ""}.`;
  const hint =
    "The GGUF may be malformed (e.g. a vocabulary without byte-fallback tokens); re-convert it with llamagate convert --to gguf.";
  return loaded
    ? new SmokeTestFailedError("LLAMA_CPP_CRASHED_GENERATING", msg, { hint })
    : new SmokeInputError("LLAMA_CPP_CRASHED", msg, { hint });
}
