/**
 * Source of the child process that runs node-llama-cpp (`node --input-type=module -e`). A child,
 * not a worker: llama.cpp aborts the whole process on some malformed vocabularies
 * (std::out_of_range from byte_to_token), and that must end in a clear error, not a dead CLI.
 * Kept as a string so the same code runs from dist/ and under vitest; it imports node-llama-cpp by
 * absolute URL, so nothing else pays for that import.
 *
 * In (IPC, once): {lib, detect, modelPath, gpu: "auto"|false, requireGpu, threads, contextSize,
 *   prompt, maxTokens, logitSteps, vocabSize, neededBytes, memoryLimitBytes?}
 * Out (IPC): {t:"backend", backend, device, note?} {t:"loaded", seconds} {t:"token", index, id, text}
 *   {t:"done", ...result} {t:"error", kind: "no-gpu"|"oom"|"load"|"run", message, needed?, available?}
 */
export const LLAMA_CHILD_SOURCE = String.raw`
import os from "node:os";
// node-llama-cpp forks helper processes with process.execArgv, which here holds this very -e script.
process.execArgv.splice(0);
const job = await new Promise((resolve) => process.once("message", resolve));
const send = (m) => new Promise((resolve) => process.send(m, resolve));
const logs = [];
const logger = (level, message) => { if (level === "error" || level === "warn") logs.push(String(message).trim()); };
const lastLogs = () => logs.filter(Boolean).slice(-3).join("; ");
async function whyNoGpu() {
  try {
    const d = await import(job.detect);
    const l = await d.detectAvailableComputeLayers();
    const r = [];
    if (!l.cuda.hasNvidiaDriver) r.push("CUDA: no NVIDIA driver found");
    else if (!l.cuda.hasCudaRuntime) r.push("CUDA: NVIDIA driver present but no CUDA runtime libraries (libcudart, libcublas)");
    else r.push("CUDA: driver and runtime present but the prebuilt CUDA binary did not load");
    if (!l.vulkan) r.push("Vulkan: no Vulkan loader or driver found");
    else r.push("Vulkan: loader present but the prebuilt Vulkan binary did not load");
    return r.join("; ");
  } catch (e) { return "could not detect GPU libraries: " + (e && e.message); }
}
let llama, model, context;
try {
  const m = await import(job.lib);
  const started = performance.now();
  llama = await m.getLlama({ gpu: job.gpu, build: "never", logLevel: "warn", logger, progressLogs: false });
  const gpu = llama.gpu;
  let note;
  if (gpu === false && job.gpu !== false) {
    const why = await whyNoGpu();
    if (job.requireGpu) { await send({ t: "error", kind: "no-gpu", message: why }); process.exit(0); }
    note = "no usable GPU found (" + why + "); running on the CPU";
  }
  const device = gpu === false ? "CPU: " + (os.cpus()[0]?.model ?? "unknown") + " (" + llama.cpuMathCores + " math cores)" : (await llama.getGpuDeviceNames()).join(", ");
  await send({ t: "backend", backend: gpu === false ? "cpu" : gpu, device, ...(note ? { note } : {}) });
  const vram0 = gpu === false ? undefined : await llama.getVramState();
  const available = job.memoryLimitBytes ?? (gpu === false ? os.freemem() : vram0.free);
  if (job.neededBytes > available) {
    await send({ t: "error", kind: "oom", where: gpu === false ? "memory" : "GPU memory", needed: job.neededBytes, available, message: "" });
    process.exit(0);
  }
  try {
    model = await llama.loadModel({ modelPath: job.modelPath, ...(gpu === false ? {} : { gpuLayers: "max" }) });
    context = await model.createContext({ contextSize: job.contextSize, threads: job.threads, sequences: 1 });
  } catch (e) {
    const msg = (e && e.message) || String(e);
    const oom = (e && e.name === "InsufficientMemoryError") || /memory/i.test(msg);
    await send({ t: "error", kind: oom ? "oom" : "load", where: gpu === false ? "memory" : "GPU memory", message: [msg, lastLogs()].filter(Boolean).join(": "), needed: job.neededBytes, available });
    process.exit(0);
  }
  const loadSeconds = (performance.now() - started) / 1000;
  await send({ t: "loaded", seconds: loadSeconds });
  const prompt = job.prompt ? model.tokenize(job.prompt) : [];
  if (model.tokens.bos != null) prompt.unshift(model.tokens.bos);
  if (prompt.length === 0) { await send({ t: "error", kind: "run", message: "the model has no BOS token and the prompt is empty" }); process.exit(0); }
  const seq = context.getSequence();
  const tokens = [];
  const logProbs = [];
  let nonFinite = false;
  let input = prompt;
  let firstAt = 0, lastAt = 0;
  const t0 = performance.now();
  const take = async (tok) => {
    lastAt = performance.now();
    if (tokens.length === 0) firstAt = lastAt;
    tokens.push(tok);
    await send({ t: "token", index: tokens.length - 1, id: tok, text: model.detokenize([tok]) });
    return tokens.length >= job.maxTokens;
  };
  let done = false;
  let endedAtEog = false;
  // The first positions with the full distribution (for the NaN check and the reference comparison), then plain greedy.
  while (!done && tokens.length < job.logitSteps) {
    const it = seq.evaluateWithMetadata(input, { probabilities: true }, { temperature: 0 });
    const r = await it.next();
    await it.return();
    // node-llama-cpp ends the evaluation at an end-of-generation token without yielding it
    if (r.done) { endedAtEog = true; break; }
    const probs = r.value.probabilities;
    const row = new Array(job.vocabSize || probs.size).fill(-Infinity);
    for (const [id, p] of probs) { if (!Number.isFinite(p)) nonFinite = true; if (id < row.length) row[id] = Math.log(p); }
    logProbs.push(row);
    input = [r.value.token];
    done = await take(r.value.token);
  }
  // tokens/s is measured on the plain greedy loop after the full-distribution positions, when there is one
  // (returning every probability costs time a plain generation does not spend).
  const plainFrom = tokens.length;
  const plainStart = lastAt;
  if (!done && !endedAtEog) {
    endedAtEog = true;
    for await (const tok of seq.evaluate(input, { temperature: 0 })) { if (await take(tok)) { endedAtEog = false; break; } }
  }
  const vram1 = gpu === false ? undefined : await llama.getVramState();
  const text = model.detokenize(tokens);
  const plain = tokens.length - plainFrom;
  const genSeconds = (lastAt - firstAt) / 1000;
  const plainSeconds = (lastAt - plainStart) / 1000;
  await send({
    t: "done", promptTokens: prompt, tokens, text, loadSeconds, nonFinite, logProbs,
    endedAtEog,
    firstTokenSeconds: (firstAt - t0) / 1000,
    tokensPerSecond: plain >= 2 && plainSeconds > 0 ? plain / plainSeconds : tokens.length > 1 && genSeconds > 0 ? (tokens.length - 1) / genSeconds : 0,
    threads: context.currentThreads ?? job.threads,
    memory: { deviceBytes: vram1 && vram0 ? Math.max(0, vram1.used - vram0.used) : 0, hostBytes: process.memoryUsage().rss },
  });
} catch (e) {
  await send({ t: "error", kind: "run", message: [(e && e.message) || String(e), lastLogs()].filter(Boolean).join(": ") });
}
try { await context?.dispose(); await model?.dispose(); await llama?.dispose(); } catch {}
process.exit(0);
`;
