import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { defaultThreads } from "../../core/default-threads.js";
import { LlamagateError, UsageError } from "../../core/errors.js";
import { SmokeTestFailedError } from "./errors.js";
import { inspectGguf, type GgufSummary } from "./inspect-gguf.js";
import type { LlamaChildDone } from "./llama-child-protocol.js";
import { runLlamaChild } from "./run-llama-child.js";
import { runReferenceCheck } from "./run-reference-check.js";
import type { SmokeReferenceResult, SmokeTestEvent, SmokeTestParams, SmokeTestResult } from "./types.js";
import { DEFAULT_MAX_TOKENS, DEFAULT_PROMPT } from "./smoke-defaults.js";
import { drainIter } from "../../core/drain-iter.js";

/** Seconds the reference cross-check may take by default (--reference-budget). */
const DEFAULT_REFERENCE_BUDGET_SECONDS = 120;
/**
 * Conservative speed of the reference per worker thread (the WebAssembly SIMD kernel, f32 weights x f64
 * activations: 3.8-8.3 GFLOP/s measured on one core of the busy 2-core development machine; the plain
 * JavaScript loop it replaced made 0.14-0.23 GFLOP/s) and of reading the weights.
 */
const REFERENCE_FLOPS_PER_THREAD = 1.5e9;
const REFERENCE_READ_BYTES_PER_SECOND = 300e6;
/** Weight types the reference can read from a GGUF (with --source it reads the original weights instead). */
const READABLE = new Set(["F32", "F16", "BF16", "Q8_0"]);
/** Positions whose full distributions the cross-check compares (the first generated tokens). */
const LOGIT_STEPS = 8;

/**
 * Load a model with llama.cpp (node-llama-cpp, in a child process) on the best backend present,
 * generate greedily, check the output is sane and, for small models, that it agrees with the
 * pure-TS reference. Yields progress events. (Folders: see smokeTestModelIter in src/pipeline.)
 */
export async function* smokeTestIter(
  params: SmokeTestParams,
): AsyncGenerator<SmokeTestEvent, SmokeTestResult, undefined> {
  const { signal } = params;
  const gguf = resolve(params.gguf);
  const sourceDir = params.sourceDir === undefined ? undefined : resolve(params.sourceDir);
  const s = await stat(gguf).catch(() => undefined);
  if (!s)
    throw new LlamagateError("INPUT_NOT_FOUND", "not-found", `${gguf} does not exist.`, {
      hint: "Pass a .gguf file or a downloaded model folder.",
    });
  if (!s.isFile())
    throw new UsageError(`${gguf} is not a file.`, {
      hint: "smokeTestIter runs a .gguf file; smokeTestModelIter (pipeline) takes folders.",
    });
  const info = await inspectGguf({ path: gguf, ...(signal ? { signal } : {}) });
  const prompt = params.prompt ?? DEFAULT_PROMPT;
  const maxTokens = params.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new UsageError(`--max-tokens must be a whole number >= 1 (got ${maxTokens}).`);
  const budget = params.referenceBudgetSeconds ?? DEFAULT_REFERENCE_BUDGET_SECONDS;
  if (!(budget >= 0)) throw new UsageError(`--reference-budget must be a number of seconds >= 0 (got ${budget}).`);
  const checked = "only NaN, empty and repeated output were checked";
  let referenceSkipped: string | undefined;
  if (params.reference === false) referenceSkipped = "skipped: --no-reference";
  else if (info.architecture !== "llama") {
    if (params.reference)
      throw new UsageError(`The reference cross-check runs llama models only; ${gguf} is ${info.architecture}.`, {
        hint: "Drop --reference.",
      });
    referenceSkipped = `skipped: the reference forward pass runs llama models only, this is ${info.architecture}; ${checked}`;
  } else if (!sourceDir && !READABLE.has(info.weightType)) {
    referenceSkipped = `skipped: the reference reads F32, F16, BF16 and Q8_0 GGUFs and this one is ${info.weightType}; pass --source FOLDER (the weights it was converted from) to check it; ${checked}`;
  }
  const doReference = referenceSkipped === undefined;
  if (referenceSkipped && params.reference !== false)
    yield { type: "warning", message: `reference cross-check ${referenceSkipped}` };
  const promptRoom = Buffer.byteLength(prompt) + maxTokens + 8;
  const contextSize = params.contextSize ?? Math.max(64, Math.ceil(promptRoom / 64) * 64);
  const threads = params.threads ?? defaultThreads({ parameters: info.parameters }).threads;
  const device = params.device ?? "auto";
  const child = runLlamaChild({
    job: {
      modelPath: gguf,
      gpu: device === "cpu" ? false : "auto",
      requireGpu: device === "gpu",
      threads,
      contextSize,
      prompt,
      maxTokens,
      logitSteps: doReference ? Math.min(LOGIT_STEPS, maxTokens) : 1,
      vocabSize: info.vocabSize,
      neededBytes: estimateMemory(info, contextSize),
      memoryLimitBytes: params.memoryLimitBytes,
    },
    ...(params.env ? { env: params.env } : {}),
    ...(signal ? { signal } : {}),
  });
  let backend = { backend: "cpu", device: "", note: undefined as string | undefined };
  let run: LlamaChildDone;
  for (;;) {
    const r = await child.next();
    if (r.done) {
      run = r.value;
      break;
    }
    const e = r.value;
    if (e.t === "backend") {
      backend = { backend: e.backend, device: e.device, note: e.note };
      yield { type: "backend", backend: e.backend, device: e.device, ...(e.note ? { note: e.note } : {}) };
    } else if (e.t === "loaded") yield { type: "loaded", seconds: e.seconds };
    else yield { type: "token", index: e.index, id: e.id, text: e.text };
  }
  if (run.nonFinite) {
    throw new SmokeTestFailedError("NON_FINITE_LOGITS", `${gguf} produced NaN or infinite logits.`, {
      hint: "The weights are corrupt or overflow this weight type: verify the download and convert again (try --dtype f32).",
    });
  }
  let reference: SmokeReferenceResult | undefined;
  if (doReference && params.reference !== true) {
    // The reference runs every prompt token and the compared positions through every weight once.
    const positions = run.promptTokens.length + Math.min(LOGIT_STEPS, run.tokens.length);
    const estimate =
      (2 * info.parameters * positions) / (REFERENCE_FLOPS_PER_THREAD * defaultThreads().threads) +
      info.tensorBytes / REFERENCE_READ_BYTES_PER_SECOND;
    if (estimate > budget) {
      referenceSkipped = `skipped: the reference forward pass on ${(info.parameters / 1e6).toFixed(0)}M parameters would take about ${Math.ceil(estimate)} s, over the ${budget} s budget (--reference-budget SECONDS allows more, --reference runs it regardless); ${checked}`;
      yield { type: "warning", message: `reference cross-check ${referenceSkipped}` };
    }
  }
  if (doReference && referenceSkipped === undefined) {
    yield { type: "reference", phase: "start" };
    const r = await runReferenceCheck({
      sourceDir,
      gguf,
      parameters: info.parameters,
      promptTokens: run.promptTokens,
      tokens: run.tokens,
      logProbs: run.logProbs,
      weightType: info.weightType,
      ...(params.reference === true ? {} : { deadline: performance.now() + budget * 1000 }),
      ...(signal ? { signal } : {}),
    });
    if ("stopped" in r) {
      referenceSkipped = `skipped: stopped at the ${budget} s budget with ${r.stopped.layersDone} of ${r.stopped.layers} layers done (--reference-budget SECONDS allows more, --reference runs it regardless); ${checked}`;
      yield { type: "warning", message: `reference cross-check ${referenceSkipped}` };
    } else reference = r;
    yield { type: "reference", phase: "done" };
    if (reference?.failure) {
      const against = reference.weights === "source" ? "the original weights" : "the GGUF's own weights";
      const f = reference.findings;
      const cause =
        f === undefined
          ? ""
          : f.length === 0
            ? " Every weight and setting of the GGUF matches the source, so llama.cpp itself computes differently."
            : ` Cause: ${f
                .slice(0, 3)
                .map((x) => x.message)
                .join("; ")}${f.length > 3 ? ` (and ${f.length - 3} more)` : ""}.`;
      const message = `llama.cpp and the reference forward pass on ${against} disagree on ${gguf}: ${reference.failure.message}.${cause}`;
      throw new SmokeTestFailedError("REFERENCE_MISMATCH", message, {
        hint:
          f !== undefined && f.length === 0
            ? "The weights are right but llama.cpp computes them differently here: try --device cpu, and report it with `llamagate doctor`'s output."
            : reference.weights === "source"
              ? "The conversion is wrong (a tensor mixed up, q/k not permuted, wrong RoPE or norm settings): convert again from the verified download with llamagate convert; report it if it persists."
              : "The file does not compute what its own weights say: re-download or convert it again; pass --source FOLDER to check it against the original weights.",
        details: { reference, tokens: run.tokens },
      });
    }
  }
  checkOutput(run, prompt, gguf);
  return {
    ok: true,
    gguf,
    backend: backend.backend,
    device: backend.device,
    ...(backend.note ? { note: backend.note } : {}),
    architecture: info.architecture,
    parameters: info.parameters,
    weightType: info.weightType,
    threads: run.threads,
    promptTokens: run.promptTokens,
    tokens: run.tokens,
    text: run.text,
    loadSeconds: run.loadSeconds,
    firstTokenSeconds: run.firstTokenSeconds,
    tokensPerSecond: run.tokensPerSecond,
    memory: run.memory,
    ...(reference ? { reference } : {}),
    ...(referenceSkipped ? { referenceSkipped } : {}),
  };
}

/** Weights + f16 KV cache + a margin for llama.cpp's compute buffers. */
function estimateMemory(info: GgufSummary, contextSize: number): number {
  return (
    info.tensorBytes + 2 * 2 * info.layers * contextSize * info.kvWidth + 32 * 1024 * 1024 + info.vocabSize * 4 * 512
  );
}

/** Empty output, or a real prompt answered by one token over and over, fails the smoke test. */
function checkOutput(run: LlamaChildDone, prompt: string, gguf: string): void {
  const generated = run.tokens;
  if (generated.length === 0) {
    throw new SmokeTestFailedError(
      "EMPTY_OUTPUT",
      `${gguf} generated nothing: the first token was end-of-generation.`,
      {
        hint: "Try another --prompt; if it persists the weights or the tokenizer are wrong.",
      },
    );
  }
  const distinctPrompt = new Set(run.promptTokens.slice(1)).size;
  if (
    prompt.trim() !== "" &&
    distinctPrompt >= 2 &&
    generated.length >= 8 &&
    generated.every((t) => t === generated[0])
  ) {
    const message = `${gguf} answered the prompt with one token repeated ${generated.length} times (id ${generated[0]}).`;
    throw new SmokeTestFailedError("REPEATED_TOKEN", message, {
      hint: "Working weights do not do this: verify the download and convert again.",
    });
  }
}

/** Drain smokeTestIter() and return its result. */
export async function smokeTest(
  params: SmokeTestParams & { onEvent?: (e: SmokeTestEvent) => void },
): Promise<SmokeTestResult> {
  return drainIter(smokeTestIter(params), params.onEvent);
}
