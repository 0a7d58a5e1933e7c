import { readSignKey } from "../read-sign-key.js";
import { signatureLines } from "../signature-lines.js";
import { signaturesJson } from "../signatures-json.js";
import { licenseGateLine } from "../license-gate-line.js";
import { pipelineLicenseParams } from "../license-gate-params.js";
import type { LicenseCliOptions } from "../license-options.js";
import type { CliContext } from "../context.js";
import { engineOptionsFromFlags, type EngineFlags } from "../engine-options-from-flags.js";
import { hfDownloadJson } from "../download-json.js";
import { logLine, printJson, printLine } from "../output.js";
import { createDownloadProgress, type DownloadProgress } from "../progress/create-download-progress.js";
import { hfEnvironment, resolveCliToken } from "./download-hf-env.js";
import {
  tryFindModel,
  formatBytes,
  runPipelineIter,
  type HfDownloadSummary,
  type PipelineEvent,
  type PipelineSignature,
} from "../../index.js";

/** Flags of `download --source hf` (the `download` command passes its parsed options through). */
export interface HfDownloadOptions extends EngineFlags {
  revision?: string;
  include?: string[];
  exclude?: string[];
  localDir?: string;
  /** --sign-key: sign the --local-dir after the download verified it. */
  signKey?: string;
  token?: string;
  tokenStdin?: boolean;
  json?: boolean;
  /** false with --no-xet (commander's negated flag): the LFS bridge only. */
  xet?: boolean;
}

/**
 * Handler of `llamagate download <org/repo> --source hf`: resolves settings and token, runs the
 * pipeline, renders progress on stderr and the result on stdout (the snapshot path, or one JSON object).
 */
export async function runHfDownload(
  ctx: CliContext,
  repoId: string,
  opts: HfDownloadOptions & LicenseCliOptions,
): Promise<number> {
  const hf = hfEnvironment(ctx);
  const json = Boolean(opts.json);
  const sign = await readSignKey(ctx, opts.signKey);
  // A catalog name ("llama-2-7b-chat") stands for its Hugging Face repo; anything with a "/" is a repo id.
  if (!repoId.includes("/")) {
    const hfRepo = tryFindModel({ name: repoId })?.hfRepo; // not a catalog name: maybe a legacy repo id without an org
    if (hfRepo) {
      if (!json) logLine(ctx, `${repoId} is ${hfRepo} on Hugging Face.`);
      repoId = hfRepo;
    }
  }
  // Offline runs never send anything, so they need no token (and must not prompt a keychain).
  if (opts.token !== undefined && !json)
    logLine(
      ctx,
      "note: a token on the command line lands in shell history and ps output; --token-stdin, HF_TOKEN or `llamagate login` avoid that.",
    );
  const tok = hf.offline ? undefined : await resolveCliToken(ctx, hf, opts);
  // A repo in the catalog is license-gated (before any request); any other repo is not a Llama model llamagate knows.
  const model = tryFindModel({ name: repoId }); // a catalog model: its license is checked before the download
  const { signal, ...engine } = engineOptionsFromFlags(ctx, opts);
  const it = runPipelineIter({
    models: model ? [model] : [],
    source: {
      kind: "hf",
      repoId,
      revision: opts.revision,
      include: opts.include,
      exclude: opts.exclude,
      localDir: opts.localDir,
      cacheDir: hf.cacheDir,
      endpoint: hf.endpoint,
      token: tok?.token,
      tokenSource: tok?.source,
      offline: hf.offline,
      disableSymlinks: hf.disableSymlinks,
      xet: opts.xet !== false,
    },
    license: pipelineLicenseParams({ opts, ctx, command: "download" }),
    command: "download",
    engine,
    verify: false,
    ...(sign ? { sign } : {}),
    signal,
  });
  let summary: HfDownloadSummary;
  let signatures: PipelineSignature[] = [];
  const progress = createDownloadProgress(ctx, { json });
  // The Hub API steps (revision, listing, access check) show a spinner from the start of the download stage
  // (after any license prompt) until the next event.
  try {
    for (;;) {
      const r = await it.next();
      progress.display.spin(undefined);
      if (r.done) {
        if (r.value.download.source !== "hf") throw new Error("unreachable: a Hub run returned another source");
        summary = r.value.download.result;
        signatures = r.value.signatures;
        break;
      }
      onEvent(progress, r.value, tok?.source, json);
      if (!json && r.value.type === "stage-start" && r.value.stage === "download") {
        progress.display.spin(`asking ${hf.endpoint} about ${repoId}`);
      }
      progress.onEvent(r.value);
    }
  } finally {
    progress.stop();
  }
  if (json) {
    printJson(ctx, { ...hfDownloadJson(summary), ...signaturesJson(signatures) });
    return 0;
  }
  for (const line of signatureLines(signatures)) printLine(ctx, line);
  const got = summary.files.filter((f) => f.downloaded).length;
  logLine(
    ctx,
    summary.offline
      ? `${summary.files.length} file(s) of ${summary.repoId} found in the cache (offline).`
      : `${summary.repoId}@${summary.commit.slice(0, 12)}: ${summary.files.length} file(s) verified, ${got} downloaded (${formatBytes(summary.bytesTransferred)}) in ${summary.seconds.toFixed(1)} s.`,
  );
  printLine(ctx, summary.path);
  return 0;
}

/** The Hub's own steps; engine events (bars, retries, corrupt copies, errors) are drawn by the progress renderer. */
function onEvent(progress: DownloadProgress, e: PipelineEvent, tokenSource: string | undefined, json: boolean): void {
  switch (e.type) {
    case "license-passed":
      if (!json) progress.log(licenseGateLine(e.model, e.gate));
      break;
    case "license-not-applicable":
      if (!json)
        progress.log(
          `note: ${e.repoId} is not in llamagate's catalog, so no Llama license check applies; read the repo's license yourself.`,
        );
      break;
    case "hf-resolved":
      progress.log(
        `${e.repoId}: revision ${e.revision} is commit ${e.commit}${e.gated ? ` (gated repo, ${tokenSource ? `token from ${tokenSource}` : "no token"})` : ""}.`,
      );
      break;
    case "hf-plan": {
      const total = e.files.reduce((a, f) => a + f.size, 0);
      progress.log(
        `${e.files.length} file(s), ${formatBytes(total)}${e.cached ? ` (${e.cached} already in the cache)` : ""}.`,
      );
      const orig = e.skippedByDefault.filter((s) => s.reason === "meta-original").length;
      const bins = e.skippedByDefault.filter((s) => s.reason === "duplicate-bin").length;
      if (orig)
        progress.log(
          `note: skipped ${orig} Meta-format file(s) under original/; pass --include 'original/*' to get them.`,
        );
      const reserved = e.skippedByDefault.filter((s) => s.reason === "local-dir-reserved").map((s) => s.path);
      if (reserved.length) {
        progress.log(
          `warning: skipped ${reserved.length} repo file(s) under .cache/huggingface/, where llamagate keeps its lock and metadata: ${reserved.join(", ")}.`,
        );
      }
      if (bins)
        progress.log(
          `note: skipped ${bins} pytorch_model*.bin file(s) duplicating the safetensors; pass --include '*.bin' to get them.`,
        );
      break;
    }
    case "hf-retry":
      progress.log(
        `${e.status === 429 ? "rate limited by the Hub" : `Hub request failed${e.status ? ` (HTTP ${e.status})` : ""}`}; retrying in ${e.waitSeconds} s (try ${e.attempt}).`,
      );
      break;
    default:
      break;
  }
}

/** commander collector for repeatable flags. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
