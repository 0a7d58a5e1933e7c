import type { CatalogModel } from "../catalog/models.js";
import type { LicenseGateParams } from "../pipeline/license-gate.js";
import type { CliContext } from "./context.js";
import { licenseAuditLogPath } from "./license-audit-path.js";
import type { LicenseCliOptions } from "./license-options.js";
import { licensePrompt } from "./license-prompt.js";

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
 */
export function licenseGateParams({ opts, ctx, model, command }: LicenseGateParamsInput): LicenseGateParams {
  const interactive = Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY) && !opts.json;
  return {
    model,
    mau: opts.mau,
    affiliatesMau: opts.affiliatesMau,
    region: opts.region,
    endUser: opts.endUser ? true : undefined,
    uses: opts.use ?? [],
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
