import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { LlamagateError, UsageError } from "../../core/errors.js";
import { SmokeTestFailedError } from "./errors.js";
import { inspectGguf, type GgufSummary } from "./inspect-gguf.js";
import { runLlamaChild, type LlamaChildDone } from "./run-llama-child.js";
import { runReferenceCheck } from "./run-reference-check.js";
import type { SmokeReferenceResult, SmokeTestEvent, SmokeTestParams, SmokeTestResult } from "./types.js";

export const DEFAULT_PROMPT = "Once upon a time";
export const DEFAULT_MAX_TOKENS = 16;
/** Models below this many parameters get the reference cross-check by default. */
const REFERENCE_MAX_PARAMETERS = 200e6;
/** Below this, one thread beats several (ggml's thread pool costs more than the work). */
const TINY_PARAMETERS = 20e6;
/** Positions whose logits the cross-check compares. */
const LOGIT_STEPS = 4;

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
  const wantReference = params.reference ?? info.parameters < REFERENCE_MAX_PARAMETERS;
  if (wantReference && info.architecture !== "llama" && params.reference) {
    throw new UsageError(`The reference cross-check runs llama models only; ${gguf} is ${info.architecture}.`, {
      hint: "Drop --reference.",
    });
  }
  const doReference = wantReference && info.architecture === "llama";
  const promptRoom = Buffer.byteLength(prompt) + maxTokens + 8;
  const contextSize = params.contextSize ?? Math.max(64, Math.ceil(promptRoom / 64) * 64);
  const threads = params.threads ?? (info.parameters < TINY_PARAMETERS ? 1 : undefined);
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
  if (doReference) {
    yield { type: "reference", phase: "start" };
    const { passed, ...ref } = await runReferenceCheck({
      sourceDir,
      gguf,
      promptTokens: run.promptTokens,
      tokens: run.tokens,
      logProbs: run.logProbs,
      weightType: info.weightType,
      ...(signal ? { signal } : {}),
    });
    reference = ref;
    yield { type: "reference", phase: "done" };
    if (!passed) {
      const where =
        ref.divergence && !ref.divergence.nearTie
          ? `tokens differ from position ${ref.divergence.index}`
          : `logits differ by up to ${ref.maxLogitDiff.toFixed(4)}`;
      const message = `llama.cpp and the reference forward pass disagree on ${gguf}: ${where} (tolerance ${ref.tolerance.toFixed(4)}).`;
      throw new SmokeTestFailedError("REFERENCE_MISMATCH", message, {
        hint: "The conversion or the file is wrong: convert again from the verified download; report it if it persists.",
        details: { reference: ref, tokens: run.tokens },
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
  const it = smokeTestIter(params);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
    params.onEvent?.(r.value);
  }
}
