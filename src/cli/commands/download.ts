import { resolve } from "node:path";
import { findModel } from "../../catalog/find-model.js";
import { UsageError } from "../../core/errors.js";
import { formatBytes } from "../../core/format-bytes.js";
import { downloadMetaIter, type MetaDownloadEvent, type MetaDownloadSummary } from "../../pipeline/download-meta.js";
import { formatDuration, formatUtc } from "../../sources/meta/format-time.js";
import type { CommandRegistrar } from "../command.js";
import type { CliContext } from "../context.js";
import { logLine, printJson, printLine } from "../output.js";
import { renderDownloadProgress } from "../progress/render-download-progress.js";
import { readSecret } from "../read-secret.js";

interface DownloadOptions {
  metaUrl?: string;
  dir: string;
  parts: number;
  minPartMb?: number;
  concurrency: number;
  stallTimeout?: number;
  json?: boolean;
  acceptLicense?: boolean;
  mau?: string;
  region?: string;
  profile?: string;
}

const LICENSE_NOTE = "(license check: see `llamagate license`)";

/** `llamagate download <model...> --meta-url URL [--dir DIR]`: fetch Meta models like download.sh, verified. */
export const registerDownloadCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("download")
    .description("Download models from a Meta signed URL into download.sh's layout, in parallel, resumable, md5-verified")
    .argument("<model...>", "catalog names (llama-2-7b, 13B-chat, codellama-34b-python...; see `llamagate models`)")
    .option("--meta-url <url>", 'signed URL from Meta\'s email; "-" reads it from stdin (also: LLAMAGATE_META_URL, or a hidden prompt)')
    .option("--dir <dir>", "destination folder", ".")
    .option("--parts <n>", "parallel Range requests per file (Meta links allow few requests: opt in)", (v) => positiveInt(v), 1)
    .option("--min-part-mb <n>", "with --parts: smallest part, in MiB (files under twice this are not split)", (v) => positiveInt(v, 4096))
    .option("--concurrency <n>", "files downloaded at once", (v) => positiveInt(v), 4)
    .option("--stall-timeout <seconds>", "retry a transfer that receives nothing for this long", (v) => positiveInt(v, 3600))
    .option("--accept-license", `accept the model's license without a prompt ${LICENSE_NOTE}`)
    .option("--mau <n>", `monthly active users of your products ${LICENSE_NOTE}`)
    .option("--region <cc>", `country or EU where the model is used ${LICENSE_NOTE}`)
    .option("--profile <file>", `organisation profile for the license check ${LICENSE_NOTE}`)
    .option("--json", "print one JSON object on stdout at the end")
    .action(
      run(async (names: string[], opts: DownloadOptions) => {
        const models = names.map((name) => findModel({ name }));
        const url = await resolveMetaUrl(ctx, opts);
        const events = downloadMetaIter({
          url,
          models,
          dir: resolve(opts.dir),
          concurrency: opts.concurrency,
          partsPerFile: opts.parts,
          partMinBytes: opts.minPartMb === undefined ? undefined : opts.minPartMb * (1 << 20),
          stallTimeoutMs: opts.stallTimeout === undefined ? undefined : opts.stallTimeout * 1000,
          signal: ctx.signal,
          // Hook point for the license check (the lead wires src/license in here).
          beforeFetch: async () => {},
        });
        const summary = await renderDownloadProgress(ctx, events, {
          json: Boolean(opts.json),
          onEvent: (e, progress) => onEvent(e, progress.log),
        });
        renderSummary(ctx, summary, Boolean(opts.json));
      }),
    );
};

/** --meta-url VALUE, --meta-url - (stdin), LLAMAGATE_META_URL, piped stdin, or a hidden prompt, in that order. */
async function resolveMetaUrl(ctx: CliContext, opts: DownloadOptions): Promise<string> {
  const missing = {
    message: "No Meta download URL given.",
    hint: "Pass --meta-url URL, set LLAMAGATE_META_URL, or pipe it in with --meta-url - (keeps it out of shell history).",
  };
  if (opts.metaUrl !== undefined && opts.metaUrl !== "-") {
    if (!opts.json) logLine(ctx, "note: a URL on the command line lands in shell history; LLAMAGATE_META_URL or --meta-url - avoid that.");
    return opts.metaUrl;
  }
  if (opts.metaUrl === "-") return readSecret({ ctx, from: "stdin", message: "", missing });
  const fromEnv = ctx.env.LLAMAGATE_META_URL?.trim();
  if (fromEnv) return fromEnv;
  return readSecret({ ctx, from: "auto", message: "Paste the download URL from Meta's email (input hidden):", missing });
}

/** The Meta pipeline's own events; the engine's (retries, corrupt copies, failures) are logged by the progress renderer. */
function onEvent(e: MetaDownloadEvent, log: (line: string) => void): void {
  if (e.type === "meta-plan") {
    const left = e.expiresAt.getTime() - Date.now();
    log(`Meta link ${e.display} valid until ${formatUtc(e.expiresAt)} (${formatDuration(left)} left); ${e.files.length} files planned (${e.layout} layout).`);
    if (left < 2 * 3600_000) {
      log(`warning: the link expires in ${formatDuration(left)}; if the download cannot finish by then, request a new link and run the same command again (finished files are kept).`);
    }
  } else if (e.type === "meta-unlisted") {
    log(`warning: not listed in their checklist, downloaded without md5 check: ${e.files.join(", ")}`);
  }
}

function renderSummary(ctx: CliContext, s: MetaDownloadSummary, json: boolean): void {
  if (json) {
    printJson(ctx, {
      ok: true,
      dir: s.dir,
      layout: s.layout,
      models: s.models,
      expiresAt: s.expiresAt.toISOString(),
      files: s.files.map((f) => ({
        name: f.name,
        path: f.path,
        size: f.size,
        hashes: f.hashes,
        verified: f.verified,
        skipped: f.skipped,
        bytesTransferred: f.bytesTransferred,
        bytesReused: f.bytesReused,
        retries: f.retries,
        seconds: f.seconds,
      })),
      verified: s.verified,
      bytes: s.totals.bytes,
      bytesTransferred: s.totals.bytesTransferred,
      bytesReused: s.totals.bytesReused,
      retries: s.retries,
      seconds: Math.round(s.seconds * 1000) / 1000,
    });
    return;
  }
  // md5sum -c style: OK for files checked against their checklist; the rest (LICENSE, checklists) have no md5 to check.
  for (const f of s.files) printLine(ctx, `${f.name}: ${f.verified ? "OK" : "saved (no checksum listed)"}${f.skipped ? ", already complete" : ""}`);
  logLine(
    ctx,
    `Done: ${s.files.length} files in ${s.dir}, ${formatBytes(s.totals.bytesTransferred)} downloaded, ${formatBytes(s.totals.bytesReused)} reused, ` +
      `${s.verified} verified against checklists, ${s.retries} retries, ${s.seconds.toFixed(1)} s.`,
  );
}

function positiveInt(value: string, max = 64): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`Expected a whole number from 1 to ${max}, got "${value}".`);
  return n;
}
