import { Option } from "commander";
import type { CommandRegistrar } from "../command.js";
import { intFlag } from "../int-flag.js";
import { maxTokensFlag } from "../max-tokens-flag.js";
import { describeReference } from "../describe-reference.js";
import { logLine, printJson, printLine } from "../output.js";
import { startSpinner } from "../progress/start-spinner.js";
import {
  DEFAULT_MAX_TOKENS,
  DEFAULT_PROMPT,
  UsageError,
  formatBytes,
  ggufCacheDir,
  smokeTestModelIter,
  type SmokeDevice,
  type SmokeTestModelResult,
} from "../../index.js";

interface SmokeOptions {
  source?: string;
  prompt?: string;
  maxTokens?: number;
  device: SmokeDevice;
  reference?: boolean;
  referenceBudget?: number;
  memoryLimit?: number;
  threads?: number;
  json?: boolean;
}

/** "512M", "2G", "1.5GiB", "1000000" → bytes (binary units). */
function parseSize(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(v);
  if (!m)
    throw new UsageError(`--memory-limit: cannot read "${v}" as a size.`, {
      hint: "Use a number of bytes or e.g. 512M, 8G.",
    });
  const pow = " kmgt".indexOf((m[2] || " ").toLowerCase());
  return Math.floor(Number(m[1]) * 1024 ** pow);
}

/** `llamagate smoke-test <path>`: load with llama.cpp on the best device, generate greedily, check, report. */
export const registerSmokeTestCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("smoke-test")
    .description("Prove the weights run here: load with llama.cpp (GPU if usable, else CPU), generate greedily, check")
    .argument(
      "<path>",
      "a .gguf file, a Meta download folder or a Hugging Face snapshot (folders: converted to a cached GGUF)",
    )
    .option(
      "--source <folder>",
      "for a .gguf: the Meta/HF folder it was converted from; the cross-check then runs on those original weights",
    )
    .option("--prompt <text>", 'text to continue ("" = start from BOS alone)', DEFAULT_PROMPT)
    .option("--max-tokens <n>", "tokens to generate", maxTokensFlag, DEFAULT_MAX_TOKENS)
    .addOption(new Option("--device <device>", "where to run").choices(["auto", "gpu", "cpu"]).default("auto"))
    .option("--reference", "always cross-check against the pure-TS reference, whatever it costs")
    .option(
      "--reference-budget <seconds>",
      "time the default cross-check may take (default 120); over it the check is skipped with a note",
      (v: string) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0)
          throw new UsageError(`--reference-budget must be a number of seconds >= 0 (got "${v}").`);
        return n;
      },
    )
    .option("--no-reference", "skip the reference cross-check")
    .option("--memory-limit <size>", "memory the model may use (e.g. 8G); default: what the device has free", parseSize)
    .option(
      "--threads <n>",
      "CPU threads (default: 1 for tiny models, else the available CPUs up to the physical cores; see doctor)",
      intFlag("--threads", 1, 1024),
    )
    .option("--json", "print one JSON object on stdout")
    .action(
      run(async (path: string, opts: SmokeOptions) => {
        const spinner = opts.json ? undefined : startSpinner(ctx, `smoke test: ${path}`);
        const say = (line: string) => (spinner ? spinner.around(() => logLine(ctx, line)) : logLine(ctx, line));
        const iter = smokeTestModelIter({
          path,
          cacheDir: ggufCacheDir(ctx.env),
          ...(opts.source !== undefined ? { source: opts.source } : {}),
          ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}),
          ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
          device: opts.device,
          ...(opts.reference !== undefined ? { reference: opts.reference } : {}),
          ...(opts.referenceBudget !== undefined ? { referenceBudgetSeconds: opts.referenceBudget } : {}),
          ...(opts.memoryLimit !== undefined ? { memoryLimitBytes: opts.memoryLimit } : {}),
          ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
          env: ctx.env,
          signal: ctx.signal,
        });
        let result: SmokeTestModelResult;
        let generated = 0;
        try {
          for (;;) {
            const r = await iter.next();
            if (r.done) {
              result = r.value;
              break;
            }
            const e = r.value;
            if (e.type === "cache") say(e.reused ? `Using cached GGUF ${e.path}` : `Converted to ${e.path}`);
            else if (e.type === "convert" && e.event.type === "plan") {
              say(
                `Converting the folder to GGUF (${e.event.tensors} tensors, ${formatBytes(e.event.bytes)}) once; later runs reuse it`,
              );
            } else if (e.type === "backend") {
              if (e.note) say(`note: ${e.note}`);
              spinner?.setText(`loading on ${e.backend} (${e.device})`);
            } else if (e.type === "loaded") spinner?.setText(`loaded in ${e.seconds.toFixed(2)} s; generating`);
            else if (e.type === "token")
              spinner?.setText(`generating: ${++generated} token${generated === 1 ? "" : "s"}`);
            else if (e.type === "reference" && e.phase === "start")
              spinner?.setText("cross-checking with the reference forward pass");
            else if (e.type === "warning") say(`warning: ${e.message}`);
          }
        } finally {
          spinner?.stop();
        }
        if (opts.json) return printJson(ctx, result);
        for (const line of describe(result)) printLine(ctx, line);
      }),
    );
};

function describe(r: SmokeTestModelResult): string[] {
  const threads = `${r.threads} thread${r.threads === 1 ? "" : "s"}`;
  const lines = [
    `OK: ${r.gguf} ran on ${r.backend} (${r.device})`,
    `  model: ${r.architecture}, ${(r.parameters / 1e6).toFixed(1)}M parameters, ${r.weightType}, ${threads}`,
    `  output (${r.tokens.length} tokens after ${r.promptTokens.length} prompt tokens): ${JSON.stringify(r.text)}`,
    `  load ${r.loadSeconds.toFixed(2)} s, first token ${r.firstTokenSeconds.toFixed(3)} s, ${r.tokensPerSecond.toFixed(1)} tokens/s`,
    `  memory: ${formatBytes(r.memory.deviceBytes)} on the GPU, ${formatBytes(r.memory.hostBytes)} on the host`,
  ];
  if (r.source?.from === "gguf-metadata") lines.push(`  source: ${r.source.path} (recorded in the GGUF, unchanged)`);
  else if (r.sourceSkipped) lines.push(`  cross-check against the original weights ${r.sourceSkipped}`);
  if (r.reference) lines.push(`  ${describeReference(r.reference)}`);
  else if (r.referenceSkipped) lines.push(`  reference cross-check ${r.referenceSkipped}`);
  return lines;
}
