import type { CommandRegistrar } from "../command.js";
import type { CliContext } from "../context.js";
import {
  EXIT_CODES,
  LICENSE_DISCLAIMER,
  LICENSE_FAMILIES,
  UsageError,
  acceptLicense,
  evaluateLicense,
  findModel,
  licenseAuditLogPath,
  parseMau,
  parseRegion,
  parseUses,
  readAuditLog,
  readProfile,
  type AuditEntry,
  type OrgProfile,
  type Verdict,
} from "../../index.js";
import { licenseInputOptions, type LicenseCliOptions } from "../license-options.js";
import { licensePrompt } from "../license-prompt.js";
import { renderEvaluation, renderFamily } from "../license-render.js";
import { logLine, printJson, printLine } from "../output.js";

type CheckOptions = LicenseCliOptions & { productName?: string; json?: boolean };

/** Exit code of each `license check` verdict (docs/license.md). */
function verdictExitCode(verdict: Verdict): number {
  return verdict === "permitted" ? EXIT_CODES.ok : EXIT_CODES[`verdict-${verdict}`];
}

/** `llamagate license check|show|log`. */
export const registerLicenseCommand: CommandRegistrar = (program, ctx, run) => {
  const license = program
    .command("license")
    .description("Check the Llama license terms for your organisation, show them, and list recorded acceptances");

  licenseInputOptions(
    license
      .command("check")
      .argument("<model>", "model name, alias or Hugging Face repo id (see `llamagate models`)")
      .description(
        "Evaluate the license for your organisation; exit 0 permitted, 11 with obligations, 12 requires a Meta license, 13 not permitted",
      ),
  )
    .option(
      "--derivative-name <name>",
      "name of the model you will derive and distribute (checked against the naming rule)",
    )
    .option("--product-name <name>", "name of your product (used in the attribution obligation)")
    .option("--json", "print one JSON object on stdout")
    .action(run(async (name: string, opts: CheckOptions) => check(ctx, name, opts)));

  license
    .command("show")
    .argument("<model>", "model name, alias or Hugging Face repo id")
    .description("Show the key terms of the model's license family, with section numbers")
    .option("--json", "print one JSON object on stdout")
    .action(
      run(async (name: string, opts: { json?: boolean }) => {
        const model = findModel({ name });
        const family = LICENSE_FAMILIES[model.license];
        if (opts.json) printJson(ctx, { ok: true, model, license: family, disclaimer: LICENSE_DISCLAIMER });
        else for (const line of renderFamily(family, model)) printLine(ctx, line);
      }),
    );

  license
    .command("log")
    .description("List the license acceptances recorded in the audit log")
    .option("--json", "print one JSON object on stdout")
    .action(
      run(async (opts: { json?: boolean }) => {
        const path = licenseAuditLogPath(ctx.env);
        const log = await readAuditLog({ path });
        if (opts.json) {
          printJson(ctx, {
            ok: true,
            path,
            entries: log.entries,
            invalidLines: log.invalidLines,
            disclaimer: LICENSE_DISCLAIMER,
          });
          return;
        }
        if (log.entries.length === 0) printLine(ctx, `No license acceptances recorded in ${path}.`);
        for (const e of log.entries) printLine(ctx, formatEntry(e));
        if (log.invalidLines.length)
          logLine(ctx, `warning: ${path}: skipped unreadable line(s) ${log.invalidLines.join(", ")}`);
        printLine(
          ctx,
          `(${log.entries.length} entr${log.entries.length === 1 ? "y" : "ies"} in ${path}; ${LICENSE_DISCLAIMER})`,
        );
      }),
    );
};

async function check(ctx: CliContext, name: string, opts: CheckOptions): Promise<number> {
  const model = findModel({ name });
  const family = LICENSE_FAMILIES[model.license];
  const profile: OrgProfile = opts.profile ? await readProfile({ path: opts.profile, signal: ctx.signal }) : {};
  const mau = opts.mau ?? profile.mau;
  if (mau === undefined) {
    throw new UsageError("license check needs --mau (your organisation's monthly active users).", {
      code: "MISSING_MAU",
      hint: 'Pass --mau N (e.g. --mau 1.2M), or --profile FILE with a "mau" field.',
      details: { field: "--mau" },
    });
  }
  // Flags are validated first so that errors name the flag; then flags override the profile.
  const flagUses = parseUses({ values: opts.use ?? [], field: "--use" });
  const evaluation = evaluateLicense({
    model,
    mau: opts.mau !== undefined ? parseMau({ value: opts.mau, field: "--mau" }) : mau,
    affiliatesMau:
      opts.affiliatesMau !== undefined
        ? parseMau({ value: opts.affiliatesMau, field: "--affiliates-mau" })
        : profile.affiliatesMau,
    region: opts.region !== undefined ? parseRegion({ value: opts.region, field: "--region" }).code : profile.region,
    endUser: opts.endUser ?? profile.endUser,
    uses: flagUses.length > 0 ? flagUses : (profile.uses ?? []),
    derivativeName: opts.derivativeName ?? profile.derivativeName,
    productName: opts.productName ?? profile.productName,
  });

  const blocks = evaluation.verdict === "requires-meta-license" || evaluation.verdict === "not-permitted";
  const exitCode = verdictExitCode(evaluation.verdict);
  if (!opts.json) for (const line of renderEvaluation(evaluation, family)) printLine(ctx, line);

  // Acceptance: --accept-license, or a yes at the terminal prompt; never for a blocking verdict.
  const path = licenseAuditLogPath(ctx.env);
  let recorded: AuditEntry | null = null;
  if (blocks) {
    if (opts.acceptLicense && !opts.json) logLine(ctx, "Acceptance not recorded: the verdict blocks this use.");
  } else {
    const interactive = Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY) && !opts.json;
    const accepted = await acceptLicense({
      evaluation,
      family,
      acceptLicense: opts.acceptLicense,
      ...(interactive ? { interactive: licensePrompt(ctx, { showSummary: false }) } : {}),
      auditLogPath: path,
      recorded: (await readAuditLog({ path })).entries,
      command: "license check",
    });
    if (accepted.accepted) {
      recorded = accepted.entry;
      if (!opts.json)
        logLine(
          ctx,
          accepted.appended ? `Acceptance recorded in ${path}.` : `The same acceptance is already recorded in ${path}.`,
        );
    } else if (!opts.json) {
      logLine(ctx, "License not accepted (pass --accept-license to accept and record it).");
    }
  }
  if (opts.json)
    printJson(ctx, { ok: true, ...evaluation, exitCode, accepted: recorded, auditLogPath: recorded ? path : null });
  return exitCode;
}

function formatEntry(e: AuditEntry): string {
  const fields = [
    e.time,
    e.user ?? "?",
    e.model,
    `${e.licenseFamily} v${e.licenseVersion}`,
    `mau=${e.mau}${e.affiliatesMau ? `+${e.affiliatesMau}` : ""}`,
    `region=${e.region ?? "-"}`,
    e.verdict,
    `via ${e.acceptedVia} (${e.command})`,
    `license sha256=${e.licenseTextSha256 ?? "unknown"}`,
  ];
  if (e.override) fields.push(`override: ${e.override}`);
  return fields.join("  ");
}
