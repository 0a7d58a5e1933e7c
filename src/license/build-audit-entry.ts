import type { AuditEntry } from "./audit-entry.js";
import type { Evaluation, LicenseFamily } from "./types.js";

export interface BuildAuditEntryParams {
  evaluation: Evaluation;
  family: LicenseFamily;
  /** ISO 8601 time of the acceptance. */
  time: string;
  /** OS user, or null when unknown. */
  user: string | null;
  acceptedVia: AuditEntry["acceptedVia"];
  /** The command recording it, e.g. "license check", "download". */
  command: string;
  /** Override reason when a blocking verdict was overridden. */
  override?: string | null;
  /** sha256 of the LICENSE text shipped with the weights, when known. */
  licenseTextSha256?: string | null;
}

/** The audit-log line for one acceptance, from the evaluation it was given for. */
export function buildAuditEntry(p: BuildAuditEntryParams): AuditEntry {
  const i = p.evaluation.inputs;
  return {
    time: p.time,
    user: p.user,
    model: p.evaluation.model,
    licenseFamily: p.family.id,
    licenseVersion: p.family.version,
    licenseName: p.family.name,
    licenseTextSha256: p.licenseTextSha256 ?? null,
    mau: i.mau,
    affiliatesMau: i.affiliatesMau,
    region: i.region,
    endUser: i.endUser,
    uses: i.uses,
    verdict: p.evaluation.verdict,
    acceptedVia: p.acceptedVia,
    command: p.command,
    override: p.override ?? null,
  };
}
