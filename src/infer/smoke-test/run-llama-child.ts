import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { InterruptedError } from "../../core/errors.js";
import { formatBytes } from "../../core/format-bytes.js";
import { SmokeInputError, SmokeTestFailedError } from "./errors.js";
import { LLAMA_CHILD_SOURCE } from "./llama-child-source.js";
import { llamaChildEnv } from "./llama-child-env.js";

/** What the child is asked to do (see llama-child-source.ts). */
export interface LlamaChildJob {
  modelPath: string;
  gpu: "auto" | false;
  requireGpu: boolean;
  threads: number | undefined;
  contextSize: number;
  prompt: string;
  maxTokens: number;
  /** Positions whose full distribution is returned (0 = none). */
  logitSteps: number;
  vocabSize: number;
  neededBytes: number;
  memoryLimitBytes: number | undefined;
}

export type LlamaChildEvent =
  | { t: "backend"; backend: string; device: string; note?: string }
  | { t: "loaded"; seconds: number }
  | { t: "token"; index: number; id: number; text: string };

export interface LlamaChildDone {
  promptTokens: number[];
  tokens: number[];
  /** Generation stopped at an end-of-generation token (not included in `tokens`) before maxTokens. */
  endedAtEog: boolean;
  text: string;
  loadSeconds: number;
  firstTokenSeconds: number;
  tokensPerSecond: number;
  threads: number;
  nonFinite: boolean;
  /** Log-probabilities of the first `logitSteps` positions (-Infinity/null where zero). */
  logProbs: (number | null)[][];
  memory: { deviceBytes: number; hostBytes: number };
}

type ChildError = {
  t: "error";
  kind: "no-gpu" | "oom" | "load" | "run";
  message: string;
  where?: string;
  needed?: number;
  available?: number;
};
type ChildMessage = LlamaChildEvent | ({ t: "done" } & LlamaChildDone) | ChildError;

/** Where node-llama-cpp lives, resolved from this package (the child imports it by absolute URL). */
function libUrls(): { lib: string; detect: string } {
  const main = createRequire(import.meta.url).resolve("node-llama-cpp");
  const lib = pathToFileURL(main).href;
  return { lib, detect: new URL("./bindings/utils/detectAvailableComputeLayers.js", lib).href };
}

/**
 * Run the model in a child process; yields backend/loaded/token events and returns the run's
 * numbers. A child that dies (native abort) becomes an error naming what it printed.
 */
export async function* runLlamaChild(params: {
  /** What to run. */
  job: LlamaChildJob;
  signal?: AbortSignal;
}): AsyncGenerator<LlamaChildEvent, LlamaChildDone, undefined> {
  const { job, signal } = params;
  signal?.throwIfAborted();
  const child = spawn(process.execPath, ["--input-type=module", "-e", LLAMA_CHILD_SOURCE], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: llamaChildEnv(process.env),
  });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString("utf8")).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const onAbort = () => child.kill("SIGKILL");
  signal?.addEventListener("abort", onAbort, { once: true });
  let loaded = false;
  // Messages arrive on the child's channel; the generator hands them out in order.
  const queue: ChildMessage[] = [];
  let wake: (() => void) | undefined;
  let ended: Error | undefined;
  const push = (m: ChildMessage) => {
    queue.push(m);
    wake?.();
  };
  child.on("message", push);
  child.on("error", (e) => {
    ended ??= e;
    wake?.();
  });
  child.on("exit", (code, sig) => {
    ended ??= signal?.aborted
      ? new InterruptedError("Smoke test interrupted.")
      : crashError(job.modelPath, loaded, code, sig, output);
    wake?.();
  });
  child.send({ ...job, ...libUrls() });
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
        return done;
      }
      if (m.t === "error") throw childError(m, job.modelPath, job.memoryLimitBytes);
      if (m.t === "loaded") loaded = true;
      yield m;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

function childError(m: ChildError, path: string, limit: number | undefined): Error {
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
