import { Option } from "commander";
import cliProgress from "cli-progress";
import { convertCheckpointIter } from "../../convert/convert-checkpoint.js";
import type { ConvertEvent, ConvertResult } from "../../convert/convert-events.js";
import type { OutDType } from "../../model/create-caster.js";
import { LLAMA3_VERSIONS, type Llama3Version } from "../../model/llama3-version.js";
import type { CommandRegistrar } from "../command.js";
import { canAnimate, logLine, printJson, printLine } from "../output.js";

interface ConvertOptions {
  to: "hf" | "gguf";
  dtype?: "f32" | "f16" | "bf16" | "q8_0";
  out?: string;
  force?: boolean;
  chat?: boolean;
  llamaVersion?: Llama3Version;
  json?: boolean;
}

/** 1234567 → "1.2 MB" (decimal units, as disk tools print them). */
const gb = (n: number): string => {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
};

/** `llamagate convert <dir> --to hf|gguf`: Meta or HF checkpoint → HF safetensors or GGUF. */
export const registerConvertCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("convert")
    .description("Convert a Meta checkpoint (params.json + consolidated.NN.pth) or a Hugging Face snapshot to HF safetensors or GGUF")
    .argument("<dir>", "model folder (Meta download or Hugging Face snapshot)")
    .addOption(new Option("--to <format>", "output format").choices(["hf", "gguf"]).makeOptionMandatory())
    .addOption(new Option("--dtype <type>", "weight type to write (default: keep the source's; q8_0 only for gguf)").choices(["f32", "f16", "bf16", "q8_0"]))
    .option("--out <path>", "output folder (hf) or file (gguf); default: <dir>-hf or <dir>-<dtype>.gguf beside the input")
    .option("--force", "replace an existing output")
    .option("--chat", "write a chat template (default: when the folder name contains 'chat' or 'instruct' or an HF snapshot ships one)")
    .option("--no-chat", "do not write a chat template")
    .addOption(
      new Option("--llama-version <version>", "Llama 3 release of a Meta checkpoint (default: from the folder name and params.json)").choices([
        ...LLAMA3_VERSIONS,
      ]),
    )
    .option("--json", "print one JSON object on stdout")
    .action(
      run(async (dir: string, opts: ConvertOptions) => {
        const iter = convertCheckpointIter({
          input: dir,
          to: opts.to,
          ...(opts.dtype ? { dtype: opts.dtype.toUpperCase() as OutDType } : {}),
          ...(opts.out ? { out: opts.out } : {}),
          force: Boolean(opts.force),
          ...(opts.chat !== undefined ? { chat: opts.chat } : {}),
          ...(opts.llamaVersion ? { llamaVersion: opts.llamaVersion } : {}),
          signal: ctx.signal,
        });
        const progress = createProgress(ctx, Boolean(opts.json));
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
        } finally {
          progress.stop();
        }
        if (opts.json) {
          printJson(ctx, { ok: true, ...result, outputs: result.files });
          return;
        }
        const rate = result.seconds > 0 ? ` (${(result.bytes / 1e6 / result.seconds).toFixed(0)} MB/s)` : "";
        printLine(ctx, `Converted ${dir} → ${result.output}: ${result.tensors} tensors, ${result.dtype}, ${gb(result.bytes)} in ${result.seconds.toFixed(1)} s${rate}`);
      }),
    );
};

/** Progress on stderr: a redrawn bar on a TTY, otherwise a line per file and every ~10%. */
function createProgress(ctx: Parameters<CommandRegistrar>[1], json: boolean): { on(e: ConvertEvent): void; stop(): void } {
  let bar: cliProgress.SingleBar | undefined;
  let nextReport = 0.1;
  return {
    on(e) {
      if (e.type === "warning") return logLine(ctx, `warning: ${e.message}`);
      if (e.type === "plan") {
        logLine(ctx, `Converting ${e.source === "meta" ? `Meta checkpoint (${e.inputShards} shard${e.inputShards > 1 ? "s" : ""})` : "Hugging Face snapshot"} → ${e.target.toUpperCase()} ${e.dtype}: ${e.tensors} tensors, ${gb(e.bytes)}`);
        if (canAnimate(ctx) && !json) {
          bar = new cliProgress.SingleBar(
            { stream: ctx.stderr as NodeJS.WritableStream, format: " {bar} {percentage}% | {value}/{total} tensors | {name}", hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.tensors, 0, { name: "" });
        }
        return;
      }
      if (e.type === "tensor") {
        if (bar) bar.update(e.index + 1, { name: e.name });
        else if (e.totalBytes > 0 && e.doneBytes / e.totalBytes >= nextReport) {
          logLine(ctx, `  ${Math.floor((100 * e.doneBytes) / e.totalBytes)}% (${e.index + 1}/${e.count} tensors)`);
          while (nextReport <= e.doneBytes / e.totalBytes) nextReport += 0.1;
        }
        return;
      }
      if (!bar) logLine(ctx, `  wrote ${e.path} (${gb(e.bytes)})`);
    },
    stop() {
      bar?.stop();
    },
  };
}
