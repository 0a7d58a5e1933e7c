import { Option } from "commander";
import { isAbsolute, relative, resolve } from "node:path";
import type { CommandRegistrar } from "../command.js";
import type { CliContext } from "../context.js";
import { pipelineLicenseParams } from "../license-gate-params.js";
import { licenseOptions, type LicenseCliOptions } from "../license-options.js";
import { maxTokensFlag } from "../max-tokens-flag.js";
import { networkEngineOptions, networkOptions, type NetworkFlags } from "../network-options.js";
import { logLine, printJson, printLine } from "../output.js";
import { pipelineJson } from "../pipeline-json.js";
import { readSignKey } from "../read-sign-key.js";
import { pipelineSummaryLines } from "../pipeline-summary-lines.js";
import { renderPipeline } from "../render-pipeline.js";
import { hfEnvironment, resolveCliToken } from "./download-hf-env.js";
import { resolveMetaUrl } from "./download-meta.js";
import { storeHfLogin } from "../store-hf-login.js";
import { setupCommandLine } from "./setup-command-line.js";
import { runSetupWizard, type WizardState } from "./setup-wizard.js";
import {
  InterruptedError,
  LICENSE_FAMILIES,
  LlamagateError,
  UsageError,
  findModel,
  ggufCacheDir,
  isLlamagateError,
  licenseAuditLogPath,
  readAuditLog,
  runPipelineIter,
  type AuditEntry,
  type CatalogModel,
  type OutDType,
  type PipelineSource,
  type PipelineSummary,
} from "../../index.js";

export interface SetupOptions extends LicenseCliOptions, NetworkFlags {
  source?: "meta" | "hf";
  metaUrl?: string;
  dir?: string;
  to?: "hf" | "gguf" | "none";
  dtype?: "f32" | "f16" | "bf16" | "q8_0";
  prompt?: string;
  maxTokens?: number;
  device?: "auto" | "gpu" | "cpu";
  smokeTest: boolean;
  /** false with --no-space-check. */
  spaceCheck?: boolean;
  json?: boolean;
  /** --sign-key: sign the verified download before converting it. */
  signKey?: string;
  /** false with --no-xet: the Hub's LFS bridge only. */
  xet?: boolean;
}

/**
 * `llamagate setup [model]`: the whole pipeline (license check → download → verify → convert → smoke
 * test). On a terminal a wizard asks what the flags did not say; without one nothing is asked and a
 * missing answer is an error naming its flag. Ends with the command that repeats the run without questions.
 */
export const registerSetupCommand: CommandRegistrar = (program, ctx, run) => {
  const cmd = program
    .command("setup")
    .description("License-check, download, verify, convert and smoke-test a model in one run (a wizard on a terminal)")
    .argument("[model]", "catalog name (see `llamagate models`); asked on a terminal when left out")
    .addOption(
      new Option("--source <source>", "meta (signed URL from Meta's email) or hf (Hugging Face Hub)").choices([
        "meta",
        "hf",
      ]),
    )
    .option(
      "--meta-url <url>",
      'Meta: signed URL; "-" reads it from stdin (also: LLAMAGATE_META_URL, or a hidden prompt)',
    )
    .option(
      "--dir <dir>",
      "destination folder (Meta: default the current folder; hf: plain files here instead of the Hugging Face cache)",
    )
    .addOption(
      new Option("--to <format>", "convert to gguf or hf, or none (default gguf)").choices(["hf", "gguf", "none"]),
    )
    .addOption(
      new Option("--dtype <type>", "weight type of the output (default: the source's)").choices([
        "f32",
        "f16",
        "bf16",
        "q8_0",
      ]),
    )
    .option("--prompt <text>", "smoke-test prompt")
    .option("--max-tokens <n>", "tokens the smoke test generates", maxTokensFlag)
    .addOption(new Option("--device <device>", "smoke-test device").choices(["auto", "gpu", "cpu"]))
    .option("--no-smoke-test", "stop after the conversion")
    .option(
      "--sign-key <file>",
      "sign the verified download before converting it (OpenSSF model signature, model.sig in the model folder; hf: needs --dir) with this ECDSA private key (PEM)",
    )
    .option("--no-space-check", "Meta: skip the free-space preflight (for filesystems that misreport free space)")
    .option(
      "--no-xet",
      "hf: no native Xet storage: every file over plain HTTP through the Hub's LFS bridge (ranged requests)",
    )
    .option("--json", "print one JSON object on stdout at the end (docs/setup.md)");
  networkOptions(cmd, { limitRate: true });
  licenseOptions(cmd).action(run(async (model: string | undefined, opts: SetupOptions) => setup(ctx, model, opts)));
};

async function setup(ctx: CliContext, name: string | undefined, opts: SetupOptions): Promise<number> {
  const json = Boolean(opts.json);
  const interactive = Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY) && !json;
  const hf = hfEnvironment(ctx);
  let state: WizardState = {
    ...(name ? { model: findModel({ name }) } : {}),
    ...(opts.source ? { source: opts.source } : opts.metaUrl !== undefined ? { source: "meta" as const } : {}),
    metaUrlPresent: opts.metaUrl !== undefined || Boolean(ctx.env.LLAMAGATE_META_URL?.trim()),
    licenseKnown: async (m) =>
      opts.mau !== undefined || opts.profile !== undefined || (await acceptanceRecorded(ctx, m)) !== undefined,
    ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
    ...(opts.to ? { to: opts.to } : {}),
    ...(opts.dtype ? { dtype: opts.dtype } : {}),
    ...(opts.smokeTest === false ? { smokeTest: false } : {}),
  };
  if (state.model && !state.source && !state.model.meta) state.source = "hf";
  if (interactive) {
    if (state.source !== "meta" && !hf.offline) {
      state.hfTokenSource = (await resolveCliToken(ctx, hf, {}).catch(() => undefined))?.source;
      state.hfLogin = {
        endpoint: hf.endpoint,
        login: async (token) => {
          const notes: string[] = [];
          const { who, stored } = await storeHfLogin(ctx, hf, token, "prompt", (l) => notes.push(l));
          return [`Logged in to ${hf.endpoint} as ${who.name}; token stored in ${stored.location}.`, ...notes].join(
            "\n",
          );
        },
      };
    }
    state = await runSetupWizard(ctx, state);
  } else {
    if (!state.model)
      throw missing("a model", "<model>", "Name it: llamagate setup llama-2-7b (see `llamagate models`).");
    if (!state.source && (state.metaUrlPresent || !state.model.hfRepo)) state.source = "meta";
    if (!state.source)
      throw missing("where to download from", "--source", "Pass --source meta (with --meta-url) or --source hf.");
  }
  const model = state.model!;
  const to = state.to ?? "gguf";
  const smokeWanted = state.smokeTest !== false;
  const smoke = to !== "none" && smokeWanted;
  const license: LicenseCliOptions = {
    ...opts,
    ...(state.mau !== undefined ? { mau: state.mau } : {}),
    ...(state.region !== undefined ? { region: state.region } : {}),
    ...(state.uses?.length ? { use: state.uses } : {}),
  };
  const dtype = state.dtype ?? opts.dtype;
  const sourceKind = state.source === "meta" ? "meta" : "hf";
  const metaUrlFromEnv =
    sourceKind === "meta" && opts.metaUrl === undefined && Boolean(ctx.env.LLAMAGATE_META_URL?.trim());
  // The repeat line stands alone: facts that came from an earlier acceptance on this machine are spelled out.
  const recorded =
    license.mau === undefined && license.profile === undefined ? await acceptanceRecorded(ctx, model) : undefined;
  const repeat = setupCommandLine({
    model: model.name,
    source: sourceKind,
    dir: state.dir === undefined ? undefined : displayDir(state.dir),
    to,
    dtype,
    smoke,
    spaceCheck: opts.spaceCheck,
    opts,
    license: recorded ? { ...recordedFacts(recorded), ...license } : license,
    metaUrlFromEnv,
  });
  const stdinNote = sourceKind === "meta" && opts.metaUrl === undefined && !ctx.env.LLAMAGATE_META_URL;
  let summary: PipelineSummary;
  try {
    const sign = await readSignKey(ctx, opts.signKey);
    const source = await pipelineSource(ctx, model, state, opts);
    const events = runPipelineIter({
      models: [model],
      source,
      license: pipelineLicenseParams({ opts: { ...license, json }, ctx, command: "setup" }),
      command: "setup",
      engine: networkEngineOptions(ctx, opts),
      verify: true,
      ...(sign ? { sign } : {}),
      convert: to === "none" ? false : { to, ...(dtype ? { dtype: dtype.toUpperCase() as OutDType } : {}) },
      // Asked for unless --no-smoke-test: --to hf runs it through the cached GGUF; --to none reports it skipped.
      smokeTest: smokeWanted
        ? {
            ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}),
            ...(opts.maxTokens ? { maxTokens: opts.maxTokens } : {}),
            device: opts.device ?? "auto",
            cacheDir: ggufCacheDir(ctx.env),
            env: ctx.env,
          }
        : false,
      signal: ctx.signal,
    });
    summary = await renderPipeline(ctx, events, { json });
  } catch (e) {
    // A failed or interrupted run loses no answers: the line that repeats it comes before the error (main prints
    // that last). Not when the license stopped it: repeating it with --accept-license would not be the answer.
    if (isLlamagateError(e) && e.category === "license") throw e;
    if (!json) {
      logLine(ctx, `Repeat this run without questions: ${repeat}`);
      if (stdinNote) logLine(ctx, "(it reads the Meta link from stdin: pipe it in, or set LLAMAGATE_META_URL)");
    } else if (isLlamagateError(e) && !(e instanceof InterruptedError)) {
      // --json: the same line as error.details.command.
      throw new LlamagateError(e.code, e.category, e.message, {
        cause: e,
        ...(e.hint !== undefined ? { hint: e.hint } : {}),
        details: { ...e.details, command: repeat },
      });
    }
    throw e;
  }
  if (json) {
    printJson(ctx, pipelineJson(summary, { command: repeat }));
    return 0;
  }
  for (const line of pipelineSummaryLines(summary)) printLine(ctx, line);
  printLine(ctx, `Repeat this run without questions: ${repeat}`);
  if (stdinNote) printLine(ctx, "(it reads the Meta link from stdin: pipe it in, or set LLAMAGATE_META_URL)");
  return 0;
}

/** The folder as the repeat line shows it: relative to the current folder when inside it, else absolute. */
function displayDir(dir: string): string {
  const abs = resolve(dir);
  const rel = relative(process.cwd(), abs);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
}

/** The license facts of a recorded acceptance, as flags. */
function recordedFacts(e: AuditEntry): LicenseCliOptions {
  return {
    mau: String(e.mau),
    ...(e.affiliatesMau ? { affiliatesMau: String(e.affiliatesMau) } : {}),
    ...(e.region ? { region: e.region } : {}),
    ...(e.endUser ? { endUser: true } : {}),
    ...(e.uses.length ? { use: [...e.uses] } : {}),
  };
}

/** The source the answers point at; the Meta link and the Hub token are read here (never echoed). */
async function pipelineSource(
  ctx: CliContext,
  model: CatalogModel,
  state: WizardState,
  opts: SetupOptions,
): Promise<PipelineSource> {
  if (state.source === "meta") {
    if (!model.meta)
      throw new UsageError(`${model.name} is not downloadable with a Meta link.`, { hint: "Use --source hf." });
    const url = await resolveMetaUrl(ctx, { metaUrl: opts.metaUrl, json: opts.json });
    return {
      kind: "meta",
      url,
      dir: resolve(state.dir ?? "."),
      ...(opts.spaceCheck === false ? { spaceCheck: false } : {}),
    };
  }
  const hf = hfEnvironment(ctx);
  const tok = hf.offline ? undefined : await resolveCliToken(ctx, hf, {});
  return {
    kind: "hf",
    repoId: model.hfRepo,
    cacheDir: hf.cacheDir,
    endpoint: hf.endpoint,
    token: tok?.token,
    tokenSource: tok?.source,
    offline: hf.offline,
    disableSymlinks: hf.disableSymlinks,
    xet: opts.xet !== false,
    ...(state.dir !== undefined ? { localDir: resolve(state.dir) } : {}),
  };
}

/** The latest acceptance of this model's license family in the audit log, if any (then no license questions). */
async function acceptanceRecorded(ctx: CliContext, model: CatalogModel): Promise<AuditEntry | undefined> {
  const family = LICENSE_FAMILIES[model.license];
  const log = await readAuditLog({ path: licenseAuditLogPath(ctx.env) }).catch(() => ({ entries: [] }));
  return log.entries.findLast((e) => e.licenseFamily === family.id && e.licenseVersion === family.version);
}

function missing(what: string, flag: string, hint: string): UsageError {
  return new UsageError(`setup needs ${what}, and there is no terminal to ask on: pass ${flag}.`, {
    code: "MISSING_ANSWER",
    hint,
    details: { flag },
  });
}
