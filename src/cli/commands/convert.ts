import { resolve } from "node:path";
import { Option } from "commander";
import type { CommandRegistrar } from "../command.js";
import type { CliContext } from "../context.js";
import { expandHome } from "../expand-home.js";
import { logLine, printJson, printLine } from "../output.js";
import { createProgressDisplay } from "../progress/create-progress-display.js";
import { formatAmount, formatEta, formatSpeed } from "../progress/format-progress.js";
import {
  LLAMA3_VERSIONS,
  UsageError,
  convertCheckpointIter,
  formatBytes,
  type ConvertEvent,
  type ConvertResult,
  type Llama3Version,
  type OutDType,
  recordConversion,
} from "../../index.js";

interface ConvertOptions {
  to: string;
  dtype?: OutDType;
  out?: string;
  force?: boolean;
  chat?: boolean;
  llamaVersion?: Llama3Version;
  json?: boolean;
}

const DTYPES = ["f32", "f16", "bf16", "q8_0"] as const;

/** `llamagate convert <dir> --to hf|gguf`: Meta or HF checkpoint → HF safetensors or GGUF. */
export const registerConvertCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("convert")
    .description(
      "Convert a Meta checkpoint (params.json + consolidated.NN.pth) or a Hugging Face snapshot to HF safetensors or GGUF",
    )
    .argument("<dir>", "model folder (Meta download or Hugging Face snapshot)")
    .addOption(
      new Option("--to <format>", "output format (hf or gguf)")
        .argParser(choice("--to", ["hf", "gguf"]))
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--dtype <type>",
        "weight type to write: f32, f16, bf16, q8_0 (default: keep the source's; q8_0 only for gguf)",
      ).argParser(dtypeFlag),
    )
    .option(
      "--out <path>",
      "output folder (hf) or file (gguf); default: <dir>-hf or <dir>-<dtype>.gguf beside the input (for a Hugging Face cache snapshot: <repo-name>-<dtype>.gguf in the current folder)",
    )
    .option("--force", "replace an existing output")
    .option(
      "--chat",
      "write a chat template (default: when the folder name contains 'chat' or 'instruct' or an HF snapshot ships one)",
    )
    .option("--no-chat", "do not write a chat template")
    .addOption(
      new Option(
        "--llama-version <version>",
        "Llama 3 release of a Meta checkpoint (default: from the folder name and params.json)",
      ).choices([...LLAMA3_VERSIONS]),
    )
    .option("--json", "print one JSON object on stdout")
    .action(
      run(async (dir: string, opts: ConvertOptions) => {
        const iter = convertCheckpointIter({
          input: expandHome(ctx, dir),
          to: opts.to as "hf" | "gguf",
          ...(opts.dtype ? { dtype: opts.dtype } : {}),
          ...(opts.out ? { out: expandHome(ctx, opts.out) } : {}),
          force: Boolean(opts.force),
          ...(opts.chat !== undefined ? { chat: opts.chat } : {}),
          ...(opts.llamaVersion ? { llamaVersion: opts.llamaVersion } : {}),
          signal: ctx.signal,
        });
        const progress = createConvertProgress(ctx);
        let result: ConvertResult;
        try {
          for (;;) {
            const r = await iter.next();
            if (r.done) {
              result = r.value;
              break;
            }
            progress.on(r.value);
          }
          await recordConversion({ result, input: resolve(expandHome(ctx, dir)), signal: ctx.signal });
        } finally {
          progress.stop();
        }
        // Only now is every file under its final name: "wrote" is never said of a temporary file.
        if (!opts.json) for (const line of progress.written) logLine(ctx, line);
        if (opts.json) {
          printJson(ctx, { ok: true, ...result });
          return;
        }
        const rate = result.seconds > 0 ? ` (${formatSpeed(result.bytes / result.seconds)})` : "";
        printLine(
          ctx,
          `Converted ${dir} → ${result.output}: ${result.tensors} tensors, ${result.dtype}, ${formatBytes(result.bytes)} in ${result.seconds.toFixed(1)} s${rate}`,
        );
      }),
    );
};

/** `--dtype` in any case (the output prints BF16, users type bf16 or BF16); the library wants upper case. */
function dtypeFlag(value: string): OutDType {
  return choice("--dtype", DTYPES)(value).toUpperCase() as OutDType;
}

function choice<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    const v = value.trim().toLowerCase() as T;
    if (!values.includes(v))
      throw new UsageError(`${flag} must be one of ${values.join(", ")}, got "${value}".`, {
        hint: `Pass ${flag} ${values[0]}.`,
      });
    return v;
  };
}

/** Progress on stderr with the one progress display: a bar with bytes, speed and ETA; plain lines elsewhere. */
function createConvertProgress(ctx: CliContext): { on(e: ConvertEvent): void; stop(): void; written: string[] } {
  const display = createProgressDisplay(ctx);
  const started = Date.now();
  const written: string[] = [];
  return {
    written,
    on(e) {
      if (e.type === "warning") return display.log(`warning: ${e.message}`);
      if (e.type === "plan") {
        const what =
          e.source === "meta"
            ? `Meta checkpoint (${e.inputShards} shard${e.inputShards > 1 ? "s" : ""})`
            : "Hugging Face snapshot";
        return display.log(
          `Converting ${what} → ${e.target.toUpperCase()} ${e.dtype}: ${e.tensors} tensors, ${formatBytes(e.bytes)}`,
        );
      }
      if (e.type === "tensor") {
        const seconds = (Date.now() - started) / 1000;
        const speed = seconds > 0.2 ? e.doneBytes / seconds : 0;
        const eta = speed > 0 ? formatEta((e.totalBytes - e.doneBytes) / speed) : "?";
        return display.update(
          [
            {
              name: "converting",
              done: e.doneBytes,
              total: e.totalBytes,
              speed,
              note: `${e.index + 1}/${e.count} tensors`,
            },
          ],
          `converting: ${formatAmount(e.doneBytes, e.totalBytes)}, ${formatSpeed(speed)}, ETA ${eta}, ${e.index + 1}/${e.count} tensors`,
        );
      }
      // Said once the output is committed (the file is still under a temporary name here).
      written.push(`wrote ${e.path} (${formatBytes(e.bytes)})`);
    },
    stop: () => display.stop(),
  };
}
