import type { CommandRegistrar } from "../command.js";
import { maxTokensFlag } from "../max-tokens-flag.js";
import { logLine, printJson, printLine } from "../output.js";
import { pipelineJson } from "../pipeline-json.js";
import { pipelineSummaryLines } from "../pipeline-summary-lines.js";
import { renderPipeline } from "../render-pipeline.js";
import { DEMO_ORG_MAU, formatBytes, formatUtc, runDemoIter, type DemoEvent } from "../../index.js";

const RANDOM_WEIGHTS_NOTE =
  "demo: the model's weights are random, so the generated text is noise by design; the cross-check against the reference forward pass on the original weights is what proves the conversion.";

interface DemoOptions {
  dir?: string;
  model: string;
  shardMb?: string;
  showResume: boolean;
  convert: boolean;
  prompt?: string;
  maxTokens?: number;
  json?: boolean;
}

/**
 * `llamagate demo`: the whole pipeline (license check → download with a resume → verify → convert to
 * GGUF → smoke test) on a small real checkpoint served by a built-in signed-URL CDN on 127.0.0.1. Offline.
 */
export const registerDemoCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("demo")
    .description(
      "Run the whole pipeline offline: a small real model served by a local signed-URL CDN, license-checked, downloaded, verified, converted to GGUF, smoke-tested",
    )
    .option("--dir <dir>", "download into this folder and keep it (default: a temporary folder, removed afterwards)")
    .option("--model <name>", "Llama 2 catalog model whose Meta layout to imitate", "llama-2-7b")
    .option("--shard-mb <n>", "ignored since the demo serves a real tiny model (kept so older scripts still run)")
    .option(
      "--no-show-resume",
      "do not make the CDN drop the connection once mid-file (it does by default, to show the ranged resume)",
    )
    .option("--no-convert", "stop after verify (no GGUF, no smoke test)")
    .option("--prompt <text>", "smoke-test prompt", "The capital of France is")
    .option("--max-tokens <n>", "tokens the smoke test generates", maxTokensFlag, 8)
    .option("--json", "print one JSON object on stdout at the end (same shape as setup --json)")
    .action(
      run(async (opts: DemoOptions) => {
        const json = Boolean(opts.json);
        if (opts.shardMb !== undefined && !json)
          logLine(ctx, "note: --shard-mb is ignored: the demo now serves a real tiny model of fixed size.");
        const events = runDemoIter({
          dir: opts.dir,
          model: opts.model,
          showResume: opts.showResume,
          convert: opts.convert,
          ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}),
          ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
          env: ctx.env,
          signal: ctx.signal,
        });
        const summary = await renderPipeline(ctx, events, {
          json,
          onOther: (e: DemoEvent, progress) => {
            if (json || e.type !== "demo-release") return;
            progress.log(
              `demo: wrote a small real Llama checkpoint (${e.files} files, ${formatBytes(e.bytes)}: torch zip shards, the Llama 2 SentencePiece tokenizer)`,
            );
            progress.log(
              `demo: serving it from a local signed-URL CDN at ${e.origin} (link valid until ${formatUtc(e.expiresAt)})`,
            );
            if (e.dropAt)
              progress.log(
                `demo: the CDN will drop the connection once, ${formatBytes(e.dropAt.afterBytes)} into ${e.dropAt.path}, to show the resume`,
              );
            progress.log(
              `demo: an organisation with ${DEMO_ORG_MAU.toLocaleString("en-US")} monthly active users accepts the license (recorded in a throwaway audit log)`,
            );
            progress.log(
              e.alreadyDownloaded
                ? `demo: ${e.dir} already holds the files from an earlier run: nothing needs fetching (no resume to show)`
                : `demo: downloading into ${e.dir}`,
            );
          },
        });
        const ranged = summary.requests.filter((q) => q.range !== undefined).length;
        const dropped = summary.requests.filter((q) => q.dropped).length;
        if (json) {
          printJson(
            ctx,
            pipelineJson(summary.pipeline, {
              dir: summary.dir,
              requests: summary.requests.length,
              rangedRequests: ranged,
              droppedConnections: dropped,
              ...(summary.pipeline.smokeTest ? { note: RANDOM_WEIGHTS_NOTE } : {}),
            }),
          );
          return;
        }
        for (const line of pipelineSummaryLines(summary.pipeline)) printLine(ctx, line);
        if (summary.pipeline.smokeTest) printLine(ctx, RANDOM_WEIGHTS_NOTE);
        printLine(
          ctx,
          `demo OK: ${summary.requests.length} requests to the local CDN (${ranged} ranged, ${dropped} dropped connection(s) resumed), ${summary.pipeline.seconds.toFixed(1)} s.`,
        );
        printLine(
          ctx,
          summary.dir === null
            ? "demo: the temporary folder was removed (pass --dir DIR to keep the files and try the other commands on them)."
            : `demo: files kept in ${summary.dir}`,
        );
      }),
    );
};
