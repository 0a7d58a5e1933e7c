/**
 * The child process that runs node-llama-cpp (started by run-llama-child.ts with fork from the compiled
 * dist/infer/smoke-test/llama-child.js). A child, not a worker: llama.cpp aborts the whole process on some malformed
 * vocabularies (std::out_of_range from byte_to_token), and that must end in a clear error, not a dead CLI. Only
 * this process loads node-llama-cpp, through its public exports.
 *
 * In (IPC): LlamaChildJob messages, one at a time (the next only after "done"). Out (IPC): LlamaChildMessage
 * (llama-child-protocol.ts). Generated tokens are sent in batches without waiting, so the generation loop runs at
 * the engine's own speed. Between jobs the process keeps its loaded llama.cpp backend (node-llama-cpp's `Llama`),
 * never a model or context: starting node-llama-cpp (its import and its binary check) is most of a small model's
 * smoke test. After an error the parent kills the process instead of sending another job.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import {
  getLlama,
  getLlamaGpuTypes,
  LlamaLogLevel,
  type Llama,
  type LlamaContext,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import type { LlamaChildJob, LlamaChildMessage } from "./llama-child-protocol.js";

/** Send generated tokens at most this often (and once at the end). */
const FLUSH_MS = 100;

const send = (m: LlamaChildMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
const logs: string[] = [];
const logger = (level: LlamaLogLevel, message: string) => {
  if (level === LlamaLogLevel.error || level === LlamaLogLevel.warn) logs.push(String(message).trim());
};
const lastLogs = () => logs.filter(Boolean).slice(-3).join("; ");
const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Why no GPU backend loaded, per backend, from node-llama-cpp's public view of the machine's libraries. */
async function whyNoGpu(): Promise<string> {
  try {
    const valid = await getLlamaGpuTypes("allValid");
    const supported = await getLlamaGpuTypes("supported");
    const reasons: string[] = [];
    if (valid.includes("cuda")) {
      if (supported.includes("cuda"))
        reasons.push("CUDA: driver and runtime present but the prebuilt CUDA binary did not load");
      else if (process.platform === "linux" && existsSync("/proc/driver/nvidia/version"))
        reasons.push("CUDA: NVIDIA driver present but no CUDA runtime libraries (libcudart, libcublas)");
      else reasons.push("CUDA: no NVIDIA driver found");
    }
    if (valid.includes("vulkan")) {
      reasons.push(
        supported.includes("vulkan")
          ? "Vulkan: loader present but the prebuilt Vulkan binary did not load"
          : "Vulkan: no Vulkan loader or driver found",
      );
    }
    if (valid.includes("metal")) reasons.push("Metal: the prebuilt Metal binary did not load");
    return reasons.join("; ");
  } catch (e) {
    return `could not detect GPU libraries: ${errorMessage(e)}`;
  }
}

/** The backend loaded by an earlier job of this process, and the GPU setting it was loaded with. */
let kept: { llama: Llama; gpu: LlamaChildJob["gpu"] } | undefined;

/** One job; returns what it loaded for this job alone (the backend stays in `kept`). */
async function run(job: LlamaChildJob): Promise<{ model?: LlamaModel; context?: LlamaContext }> {
  const started = performance.now();
  if (kept && kept.gpu !== job.gpu) {
    await kept.llama.dispose();
    kept = undefined;
  }
  const llama =
    kept?.llama ??
    (await getLlama({
      gpu: job.gpu,
      build: "never",
      logLevel: LlamaLogLevel.warn,
      logger,
      progressLogs: false,
    }));
  kept = { llama, gpu: job.gpu };
  const gpu = llama.gpu;
  let note: string | undefined;
  if (gpu === false && job.gpu !== false) {
    const why = await whyNoGpu();
    if (job.requireGpu) {
      await send({ t: "error", kind: "no-gpu", message: why });
      return {};
    }
    note = `no usable GPU found (${why}); running on the CPU`;
  }
  const device =
    gpu === false
      ? `CPU: ${os.cpus()[0]?.model ?? "unknown"} (${llama.cpuMathCores} math cores)`
      : (await llama.getGpuDeviceNames()).join(", ");
  await send({ t: "backend", backend: gpu === false ? "cpu" : gpu, device, ...(note ? { note } : {}) });
  const vram0 = gpu === false ? undefined : await llama.getVramState();
  const available = job.memoryLimitBytes ?? (vram0 ? vram0.free : os.freemem());
  const where = gpu === false ? "memory" : "GPU memory";
  if (job.neededBytes > available) {
    await send({ t: "error", kind: "oom", where, needed: job.neededBytes, available, message: "" });
    return {};
  }
  let model: LlamaModel;
  let context: LlamaContext;
  try {
    model = await llama.loadModel({ modelPath: job.modelPath, ...(gpu === false ? {} : { gpuLayers: "max" }) });
    context = await model.createContext({
      contextSize: job.contextSize,
      ...(job.threads !== undefined ? { threads: job.threads } : {}),
      sequences: 1,
    });
  } catch (e) {
    const msg = errorMessage(e);
    const oom = (e instanceof Error && e.name === "InsufficientMemoryError") || /memory/i.test(msg);
    await send({
      t: "error",
      kind: oom ? "oom" : "load",
      where,
      message: [msg, lastLogs()].filter(Boolean).join(": "),
      needed: job.neededBytes,
      available,
    });
    return {};
  }
  const loadSeconds = (performance.now() - started) / 1000;
  await send({ t: "loaded", seconds: loadSeconds });
  const prompt: Token[] = job.prompt ? model.tokenize(job.prompt) : [];
  if (model.tokens.bos != null) prompt.unshift(model.tokens.bos);
  if (prompt.length === 0) {
    await send({ t: "error", kind: "run", message: "the model has no BOS token and the prompt is empty" });
    return { model, context };
  }
  const seq = context.getSequence();
  const tokens: Token[] = [];
  const logProbs: number[][] = [];
  let nonFinite = false;
  let input: Token[] = prompt;
  let firstAt = 0;
  let lastAt = 0;
  let sent = 0;
  let flushedAt = performance.now();
  // Tokens go to the parent in batches, without waiting for the channel: the loop does not pay a round trip.
  const flush = () => {
    if (sent === tokens.length) return;
    const ids = tokens.slice(sent);
    void send({ t: "tokens", from: sent, ids, texts: ids.map((id) => model.detokenize([id])) });
    sent = tokens.length;
    flushedAt = performance.now();
  };
  const take = (tok: Token): boolean => {
    lastAt = performance.now();
    if (tokens.length === 0) firstAt = lastAt;
    tokens.push(tok);
    if (lastAt - flushedAt >= FLUSH_MS) flush();
    return tokens.length >= job.maxTokens;
  };
  const t0 = performance.now();
  let done = false;
  let endedAtEog = false;
  // The first positions with the full distribution (for the NaN check and the reference comparison), then plain greedy.
  while (!done && tokens.length < job.logitSteps) {
    const it = seq.evaluateWithMetadata(input, { probabilities: true }, { temperature: 0 });
    const r = await it.next();
    await it.return();
    // node-llama-cpp ends the evaluation at an end-of-generation token without yielding it
    if (r.done) {
      endedAtEog = true;
      break;
    }
    const probs = r.value.probabilities;
    const row = new Array<number>(job.vocabSize || probs.size).fill(-Infinity);
    for (const [id, p] of probs) {
      if (!Number.isFinite(p)) nonFinite = true;
      if (id < row.length) row[id] = Math.log(p);
    }
    logProbs.push(row);
    input = [r.value.token];
    done = take(r.value.token);
  }
  // tokens/s is measured on the plain greedy loop after the full-distribution positions, when there is one
  // (returning every probability costs time a plain generation does not spend), as the bare loop measures it:
  // the time of each token as the loop receives it.
  const plainFrom = tokens.length;
  const plainStart = lastAt;
  if (!done && !endedAtEog) {
    endedAtEog = true;
    for await (const tok of seq.evaluate(input, { temperature: 0 })) {
      if (take(tok)) {
        endedAtEog = false;
        break;
      }
    }
  }
  flush();
  const vram1 = gpu === false ? undefined : await llama.getVramState();
  const plain = tokens.length - plainFrom;
  const genSeconds = (lastAt - firstAt) / 1000;
  const plainSeconds = (lastAt - plainStart) / 1000;
  await send({
    t: "done",
    promptTokens: prompt,
    tokens,
    text: model.detokenize(tokens),
    loadSeconds,
    nonFinite,
    logProbs,
    endedAtEog,
    firstTokenSeconds: (firstAt - t0) / 1000,
    tokensPerSecond:
      plain >= 2 && plainSeconds > 0
        ? plain / plainSeconds
        : tokens.length > 1 && genSeconds > 0
          ? (tokens.length - 1) / genSeconds
          : 0,
    threads: context.currentThreads ?? job.threads,
    memory: {
      deviceBytes: vram1 && vram0 ? Math.max(0, vram1.used - vram0.used) : 0,
      hostBytes: process.memoryUsage().rss,
    },
  });
  return { model, context };
}

// Jobs queue up here from the start, so one sent while the previous job's model is being released is not lost.
const jobs: LlamaChildJob[] = [];
let wake: (() => void) | undefined;
process.on("message", (m) => {
  jobs.push(m as LlamaChildJob);
  wake?.();
});
process.on("disconnect", () => wake?.());
for (;;) {
  while (jobs.length === 0 && process.connected) await new Promise<void>((r) => (wake = r));
  const job = jobs.shift();
  // The parent closed the channel: it is done with this process (or gone). Stay no longer than it.
  if (!job) break;
  logs.length = 0;
  let held: Awaited<ReturnType<typeof run>> = {};
  try {
    held = await run(job);
  } catch (e) {
    await send({ t: "error", kind: "run", message: [errorMessage(e), lastLogs()].filter(Boolean).join(": ") });
  }
  try {
    await held.context?.dispose();
    await held.model?.dispose();
  } catch {
    // the parent stops this process after anything but "done"
  }
}
try {
  await kept?.llama.dispose();
} catch {
  // exiting anyway
}
process.exit(0);
