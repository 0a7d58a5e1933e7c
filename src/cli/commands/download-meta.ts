import { join, resolve } from "node:path";
import type { CliContext } from "../context.js";
import { engineOptionsFromFlags, type EngineFlags } from "../engine-options-from-flags.js";
import { metaDownloadJson } from "../download-json.js";
import { logLine, printJson, printLine } from "../output.js";
import { renderDownloadProgress } from "../progress/render-download-progress.js";
import { readSecret } from "../read-secret.js";
import { readSignKey } from "../read-sign-key.js";
import { signatureLines } from "../signature-lines.js";
import { signaturesJson } from "../signatures-json.js";
import { pipelineLicenseParams } from "../license-gate-params.js";
import { licenseGateLine } from "../license-gate-line.js";
import type { LicenseCliOptions } from "../license-options.js";
import {
  checkLicenseFile,
  findModel,
  formatBytes,
  formatDuration,
  formatUtc,
  runPipelineIter,
  type CatalogModel,
  type LicenseFileCheck,
  type MetaDownloadSummary,
  type PipelineEvent,
  type PipelineSignature,
} from "../../index.js";

/** Flags of `download` for Meta links (the `download` command passes its parsed options through). */
export interface MetaDownloadOptions extends LicenseCliOptions, EngineFlags {
  metaUrl?: string;
  dir: string;
  /** --layout: Meta's folders (default) or llama-stack's descriptor folders. */
  layout?: "meta" | "llama-stack";
  /** --sign-key: sign each model folder after the download verified it. */
  signKey?: string;
  /** false with --no-space-check. */
  spaceCheck?: boolean;
  json?: boolean;
}

/**
 * Handler of `llamagate download <model...> [--meta-url URL]`: fetch Meta models like download.sh, in
 * download.sh's layout, verified, after the license gate.
 */
export async function runMetaDownload(ctx: CliContext, names: string[], opts: MetaDownloadOptions): Promise<void> {
  const models = names.map((name) => findModel({ name }));
  const sign = await readSignKey(ctx, opts.signKey);
  const url = await resolveMetaUrl(ctx, opts);
  const { signal, ...engine } = engineOptionsFromFlags(ctx, opts);
  const events = runPipelineIter({
    models,
    source: {
      kind: "meta",
      url,
      dir: resolve(opts.dir),
      spaceCheck: opts.spaceCheck,
      ...(opts.layout ? { localLayout: opts.layout } : {}),
    },
    license: pipelineLicenseParams({ opts, ctx, command: "download" }),
    command: "download",
    engine,
    verify: false,
    ...(sign ? { sign } : {}),
    signal,
  });
  const pipeline = await renderDownloadProgress(ctx, events, {
    json: Boolean(opts.json),
    onEvent: (e, progress) => onEvent(e, progress.log, Boolean(opts.json)),
  });
  if (pipeline.download.source !== "meta") throw new Error("unreachable: a Meta run returned another source");
  const summary = pipeline.download.result;
  const licenseFile = await checkDownloadedLicense(ctx, summary, models[0]!, Boolean(opts.json));
  renderSummary(ctx, summary, licenseFile, pipeline.signatures, Boolean(opts.json));
}

/**
 * --meta-url VALUE, --meta-url - (stdin), LLAMAGATE_META_URL, piped stdin, or a hidden prompt, in that order.
 * The library's parseMetaUrl cleans the link up (quotes, `&amp;`) for every caller.
 */
export async function resolveMetaUrl(
  ctx: CliContext,
  opts: Pick<MetaDownloadOptions, "metaUrl" | "json">,
): Promise<string> {
  const missing = {
    message: "No Meta download URL given.",
    hint: "Pass --meta-url URL, set LLAMAGATE_META_URL, or pipe it in with --meta-url - (keeps it out of shell history).",
  };
  if (opts.metaUrl !== undefined && opts.metaUrl !== "-") {
    if (!opts.json)
      logLine(
        ctx,
        "note: a URL on the command line lands in shell history; LLAMAGATE_META_URL or --meta-url - avoid that.",
      );
    return opts.metaUrl;
  }
  const message = "Paste the download URL from Meta's email (input hidden), then Enter:";
  if (opts.metaUrl === "-") return readSecret({ ctx, from: "stdin", message, missing });
  const fromEnv = ctx.env.LLAMAGATE_META_URL?.trim();
  if (fromEnv) return fromEnv;
  return readSecret({ ctx, from: "auto", message, missing });
}

/**
 * The Meta pipeline's own events; the engine's (retries, corrupt copies, failures) are logged by the progress
 * renderer.
 */
function onEvent(e: PipelineEvent, log: (line: string) => void, json: boolean): void {
  if (e.type === "license-passed") {
    if (!json) log(licenseGateLine(e.model, e.gate));
  } else if (e.type === "meta-plan") {
    const left = e.expiresAt.getTime() - Date.now();
    log(
      `Meta link ${e.display} valid until ${formatUtc(e.expiresAt)} (${formatDuration(left)} left); ${e.files.length} files planned (${e.layout} layout).`,
    );
    if (left < 2 * 3600_000) {
      log(
        `warning: the link expires in ${formatDuration(left)}; if the download cannot finish by then, request a new link and run the same command again (finished files are kept).`,
      );
    }
  } else if (e.type === "meta-unlisted") {
    log(`warning: not listed in their checklist, downloaded without md5 check: ${e.files.join(", ")}`);
  }
}

/**
 * Compare the LICENSE that came with the weights with the family's known text: a different text means
 * the weights may come under another license version than the check above assumed.
 */
async function checkDownloadedLicense(
  ctx: CliContext,
  s: MetaDownloadSummary,
  model: CatalogModel,
  json: boolean,
): Promise<LicenseFileCheck | undefined> {
  // llama-stack's downloads (Llama 3.1 and later) ship no LICENSE file.
  if (!s.files.some((f) => f.name === "LICENSE")) return undefined;
  const check = await checkLicenseFile({ path: join(s.dir, "LICENSE"), family: model.license, signal: ctx.signal });
  if (json) return check;
  if (check.status === "differs") {
    logLine(
      ctx,
      `warning: LICENSE (sha256 ${check.sha256}) is not the ${model.license} license text llamagate knows: the weights may come under a different license version than the check assumed. Read it before use.`,
    );
  } else if (check.status === "unknown-reference") {
    logLine(
      ctx,
      `note: LICENSE sha256 ${check.sha256}; llamagate has no reference text for the ${model.license} family to compare it with.`,
    );
  }
  return check;
}

function renderSummary(
  ctx: CliContext,
  s: MetaDownloadSummary,
  licenseFile: LicenseFileCheck | undefined,
  signatures: readonly PipelineSignature[],
  json: boolean,
): void {
  if (json) {
    printJson(ctx, { ...metaDownloadJson(s, licenseFile), ...signaturesJson(signatures) });
    return;
  }
  // md5sum -c style: OK for files checked against their checklist; the rest (LICENSE, checklists) have no md5 to check.
  for (const f of s.files)
    printLine(
      ctx,
      `${f.name}: ${f.verified ? "OK" : "saved (no checksum listed)"}${f.skipped ? ", already complete" : ""}`,
    );
  logLine(
    ctx,
    `Done: ${s.files.length} files in ${s.dir}, ${formatBytes(s.totals.bytesTransferred)} downloaded, ${formatBytes(s.totals.bytesReused)} reused, ` +
      `${s.verified} verified against checklists, ${s.retries} retries, ${s.seconds.toFixed(1)} s.`,
  );
  for (const line of signatureLines(signatures)) printLine(ctx, line);
}
