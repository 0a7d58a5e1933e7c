import { createProgressDisplay } from "./progress/create-progress-display.js";
import type { CliContext } from "./context.js";
import { licenseGateLine } from "./license-gate-line.js";
import { logLine } from "./output.js";
import { createDownloadProgress, type DownloadProgress } from "./progress/create-download-progress.js";
import { formatBytes, formatDuration, formatUtc, type PipelineEvent, type StageName } from "../index.js";

const TITLES: Record<StageName, string> = {
  license: "license check",
  download: "download",
  verify: "verify",
  convert: "convert",
  "smoke-test": "smoke test",
};
const ORDER: StageName[] = ["license", "download", "verify", "convert", "smoke-test"];

/**
 * Drain a pipeline's events with one progress display on stderr: a header per stage, the download's bars
 * (or plain lines), a line per conversion quarter and smoke-test phase, and whether a stage found its work
 * already done. `onOther` sees events that are not the pipeline's (e.g. the demo's own). Returns the summary.
 */
export async function renderPipeline<E extends { type: string }, S>(
  ctx: CliContext,
  events: AsyncGenerator<E, S>,
  opts: { json: boolean; onOther?: (e: E, progress: DownloadProgress) => void },
): Promise<S> {
  // The bars start with the download stage: nothing is drawn while the license gate may still ask a question.
  let bars: DownloadProgress | undefined;
  const plain: DownloadProgress = {
    onEvent: () => {},
    log: (line) => logLine(ctx, line),
    stop: () => {},
    estimateTotal: () => {},
    display: createProgressDisplay(ctx),
  };
  const progress = () => bars ?? plain;
  const log = (line: string) => {
    if (!opts.json) progress().log(line);
  };
  let nextQuarter = 0.25;
  try {
    for (;;) {
      const r = await events.next();
      if (r.done) return r.value;
      const e = r.value as unknown as PipelineEvent;
      if (e.type === "stage-start" && e.stage === "download") bars ??= createDownloadProgress(ctx, { json: opts.json });
      switch (e.type) {
        case "stage-start":
          log(`[${ORDER.indexOf(e.stage) + 1}/${ORDER.length}] ${TITLES[e.stage]}`);
          if (e.stage === "convert") nextQuarter = 0.25;
          break;
        case "stage-done":
          log(
            `      ${TITLES[e.stage]}: ${e.upToDate ? "already done, nothing to do" : "done"} (${e.seconds.toFixed(1)} s)`,
          );
          break;
        case "stage-skipped":
          log(`[${ORDER.indexOf(e.stage) + 1}/${ORDER.length}] ${TITLES[e.stage]}: skipped (${e.reason})`);
          break;
        case "license-passed":
          log(`      ${licenseGateLine(e.model, e.gate)}`);
          break;
        case "license-not-applicable":
          log(
            `      note: ${e.repoId} is not in llamagate's catalog, so no Llama license check applies; read the repo's license yourself.`,
          );
          break;
        case "meta-plan":
          log(
            `      Meta link ${e.display} valid until ${formatUtc(e.expiresAt)} (${formatDuration(e.expiresAt.getTime() - Date.now())} left); ${e.files.length} files (${e.layout} layout)`,
          );
          break;
        case "hf-resolved":
          log(`      ${e.repoId}: revision ${e.revision} is commit ${e.commit}`);
          break;
        case "hf-plan":
          log(
            `      ${e.files.length} file(s), ${formatBytes(e.files.reduce((a, f) => a + f.size, 0))}${e.cached ? ` (${e.cached} already in the cache)` : ""}`,
          );
          break;
        case "verify-file":
          log(
            `      ${e.path}: ${e.status}${e.rehashed ? "" : " (hash recorded when it was verified; file unchanged, not re-hashed)"}`,
          );
          break;
        case "convert-event": {
          const c = e.event;
          if (c.type === "plan")
            log(
              `      ${c.source === "meta" ? "Meta checkpoint" : "Hugging Face snapshot"} → ${c.target.toUpperCase()} ${c.dtype}: ${c.tensors} tensors, ${formatBytes(c.bytes)}`,
            );
          else if (c.type === "warning") log(`      warning: ${c.message}`);
          else if (c.type === "file") log(`      wrote ${c.path} (${formatBytes(c.bytes)})`);
          else if (c.totalBytes > 0 && c.doneBytes / c.totalBytes >= nextQuarter) {
            log(`      ${Math.floor((100 * c.doneBytes) / c.totalBytes)}% (${c.index + 1}/${c.count} tensors)`);
            while (nextQuarter <= c.doneBytes / c.totalBytes) nextQuarter += 0.25;
          }
          break;
        }
        case "smoke-event":
          if (e.event.type === "smoke-phase") log(`      ${PHASES[e.event.phase] ?? e.event.phase}`);
          break;
        default:
          opts.onOther?.(r.value, progress());
      }
      progress().onEvent(e);
    }
  } finally {
    bars?.stop();
  }
}

const PHASES: Record<string, string> = {
  load: "loading the model",
  generate: "generating greedily",
  reference: "cross-checking against the reference forward pass on the original weights",
};
