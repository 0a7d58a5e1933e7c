import { userInfo } from "node:os";
import { appendAuditEntry } from "./append-audit-entry.js";
import type { AuditEntry } from "./audit-entry.js";
import { buildAuditEntry } from "./build-audit-entry.js";
import type { Evaluation, LicenseFamily } from "./types.js";

/** What a terminal prompt is shown before it asks to accept. */
export interface LicenseAcceptancePrompt {
  evaluation: Evaluation;
  family: LicenseFamily;
}

export interface AcceptLicenseParams {
  /** The evaluation being accepted (never a blocking one unless `override` is given). */
  evaluation: Evaluation;
  family: LicenseFamily;
  /** The user accepted explicitly (--accept-license). */
  acceptLicense?: boolean;
  /** Asks on a terminal (injected by the CLI); absent means non-interactive. */
  interactive?: (prompt: LicenseAcceptancePrompt) => Promise<boolean>;
  /** The append-only audit log (JSON lines); without it nothing is recorded. */
  auditLogPath?: string;
  /** Entries already in the log: an identical acceptance there is not recorded twice. */
  recorded?: readonly AuditEntry[];
  /** The command that records it, e.g. "license check", "download", "setup". */
  command: string;
  /** Reason for proceeding despite a blocking verdict, recorded with the entry. */
  override?: string | null;
  /** sha256 of the LICENSE text shipped with the weights, when known. */
  licenseTextSha256?: string | null;
  /** OS user to record. @default os.userInfo().username (null when unavailable) */
  user?: string | null;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

export type LicenseAcceptance =
  /** Accepted now (flag or prompt); `entry` is the audit line, `appended` false when an identical one was there. */
  | { accepted: true; via: "flag" | "prompt"; time: string; user: string | null; entry: AuditEntry; appended: boolean }
  /** Not accepted: the user said no at the prompt ("declined") or there was no flag and no terminal ("no-terminal"). */
  | { accepted: false; reason: "declined" | "no-terminal" };

/**
 * The one way a license acceptance is given and recorded, shared by `license check` and the pipeline's
 * gate: the flag, else the terminal prompt; then one audit entry per distinct acceptance (a rerun with the
 * same declaration and verdict does not append the same line again).
 */
export async function acceptLicense(p: AcceptLicenseParams): Promise<LicenseAcceptance> {
  let via: "flag" | "prompt" | null = p.acceptLicense ? "flag" : null;
  if (!via && p.interactive) {
    if (!(await p.interactive({ evaluation: p.evaluation, family: p.family })))
      return { accepted: false, reason: "declined" };
    via = "prompt";
  }
  if (!via) return { accepted: false, reason: "no-terminal" };
  const time = (p.now ?? (() => new Date()))().toISOString();
  const user = p.user !== undefined ? p.user : currentUser();
  const entry = buildAuditEntry({
    evaluation: p.evaluation,
    family: p.family,
    time,
    user,
    acceptedVia: via,
    command: p.command,
    override: p.override ?? null,
    licenseTextSha256: p.licenseTextSha256 ?? null,
  });
  const same = (p.recorded ?? []).find((e) => sameAcceptance(e, entry));
  if (same) return { accepted: true, via, time: same.time, user: same.user, entry: same, appended: false };
  if (p.auditLogPath) await appendAuditEntry({ path: p.auditLogPath, entry });
  return { accepted: true, via, time, user, entry, appended: Boolean(p.auditLogPath) };
}

/** Same model, license version, declaration, verdict, override and LICENSE text: recording it again adds nothing. */
function sameAcceptance(a: AuditEntry, b: AuditEntry): boolean {
  return (
    a.model === b.model &&
    a.licenseFamily === b.licenseFamily &&
    a.licenseVersion === b.licenseVersion &&
    a.mau === b.mau &&
    a.affiliatesMau === b.affiliatesMau &&
    a.region === b.region &&
    a.endUser === b.endUser &&
    a.uses.join(",") === b.uses.join(",") &&
    a.verdict === b.verdict &&
    a.override === b.override &&
    // A LICENSE hash learnt since (the weights arrived) is worth one more line; none now matches any.
    (b.licenseTextSha256 === null || a.licenseTextSha256 === b.licenseTextSha256) &&
    a.user === b.user
  );
}

function currentUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}
