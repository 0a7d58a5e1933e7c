import type { CliContext } from "./context.js";
import type { LicenseCliOptions } from "./license-options.js";
import { licensePrompt } from "./license-prompt.js";
import {
  licenseAuditLogPath,
  parseMau,
  parseRegion,
  parseUses,
  type CatalogModel,
  type LicenseGateParams,
  type PipelineLicenseParams,
} from "../index.js";

export interface LicenseGateParamsInput {
  /** Options parsed by a command that used licenseOptions(). */
  opts: LicenseCliOptions & { json?: boolean };
  ctx: CliContext;
  /** The model about to be fetched (catalog entry or name). */
  model: CatalogModel | string;
  /** The command name recorded in the audit log, e.g. "download". */
  command: string;
}

/**
 * Map the license flags to licenseGate() params. The prompt is offered only when stdin and stderr
 * are terminals and --json is off; otherwise a missing acceptance is an error naming --accept-license.
 * Flag values are validated here so that errors name the flag (--mau, --region, --use).
 */
export function licenseGateParams({ opts, ctx, model, command }: LicenseGateParamsInput): LicenseGateParams {
  const interactive = Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY) && !opts.json;
  return {
    model,
    mau: opts.mau === undefined ? undefined : parseMau({ value: opts.mau, field: "--mau" }),
    affiliatesMau:
      opts.affiliatesMau === undefined ? undefined : parseMau({ value: opts.affiliatesMau, field: "--affiliates-mau" }),
    region: opts.region === undefined ? undefined : parseRegion({ value: opts.region, field: "--region" }).code,
    endUser: opts.endUser ? true : undefined,
    uses: parseUses({ values: opts.use ?? [], field: "--use" }),
    derivativeName: opts.derivativeName,
    profilePath: opts.profile,
    acceptLicense: opts.acceptLicense === true,
    override: opts.licenseOverride,
    auditLogPath: licenseAuditLogPath(ctx.env),
    command,
    signal: ctx.signal,
    ...(interactive ? { interactive: licensePrompt(ctx) } : {}),
  };
}

/** The license flags as the pipeline takes them (it adds the model and the command itself). */
export function pipelineLicenseParams(input: Omit<LicenseGateParamsInput, "model">): PipelineLicenseParams {
  const { model: _model, command: _command, signal: _signal, ...rest } = licenseGateParams({ ...input, model: "" });
  return rest;
}
