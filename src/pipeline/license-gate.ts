import { licenseAuditLogPath } from "../core/defaults/llamagate-paths.js";
import { findModel } from "../catalog/find-model.js";
import type { CatalogModel } from "../catalog/models.js";
import { isLlamagateError } from "../core/errors.js";
import { acceptLicense, type LicenseAcceptancePrompt } from "../license/accept-license.js";
import type { AuditEntry } from "../license/audit-entry.js";
import { LicenseBlockedError } from "../license/errors.js";
import { evaluateLicense } from "../license/evaluate-license.js";
import { LICENSE_FAMILIES } from "../license/families.js";
import { readAuditLog } from "../license/read-audit-log.js";
import { readProfile } from "../license/read-profile.js";
import type { Evaluation, Verdict } from "../license/types.js";

export interface LicenseGateParams {
  /** The model about to be fetched: a catalog entry, or any name findModel knows (name, alias, HF repo id). */
  model: CatalogModel | string;
  /** Licensee's monthly active users (number or "750M"-style text); overrides the profile. */
  mau?: number | string;
  /** Affiliates' monthly active users; overrides the profile. */
  affiliatesMau?: number | string;
  /** ISO 3166-1 alpha-2 code or "EU"; overrides the profile. */
  region?: string;
  /** End user of a product incorporating the model (EU clause exception); overrides the profile. */
  endUser?: boolean;
  /** Declared uses; when given (non-empty) they replace the profile's. */
  uses?: readonly string[];
  /** Name of a derived model to check against the naming rule; overrides the profile. */
  derivativeName?: string;
  /** Path of an organisation profile JSON file; explicit params override its values. */
  profilePath?: string;
  /** The user accepted the license terms explicitly (--accept-license). */
  acceptLicense?: boolean;
  /** Asks the user to accept on a terminal (injected by the CLI); absent means non-interactive. */
  interactive?: (prompt: LicenseAcceptancePrompt) => Promise<boolean>;
  /**
   * The append-only audit log (JSON lines). @default the CLI's (`<llamagate data folder>/license-audit.jsonl`);
   * null: nothing is recorded and no earlier acceptance is found.
   */
  auditLogPath?: string | null;
  /** Proceed although the verdict blocks; the reason is recorded in the audit log (--license-override). */
  override?: string;
  /** sha256 of the LICENSE text shipped with the weights, when the caller knows it. */
  licenseTextSha256?: string;
  /**
   * Check only (dry runs): the same verdict, inputs and acceptance rules (and the same errors), but no prompt and
   * nothing recorded: `acceptLicense` or an earlier recorded acceptance must already be there. @default false
   */
  checkOnly?: boolean;
  /**
   * Whose words the hints use: the command-line flags (`--mau`, `--license-override`), or the provision
   * manifest's fields (`license.mau`, `license.override`), so a hint names what the command accepts. @default "flags"
   */
  hintsFor?: "flags" | "manifest";
  /** The command that runs the gate, recorded in the audit log. @default "download" */
  command?: string;
  /** OS user to record. @default os.userInfo().username (null when unavailable) */
  user?: string | null;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
  signal?: AbortSignal;
}

export type { LicenseAcceptancePrompt };

export interface LicenseGateResult {
  verdict: Verdict;
  evaluation: Evaluation;
  /** How the license was accepted: now by flag or prompt, or by an earlier recorded acceptance. */
  acceptance: { via: "flag" | "prompt" | "recorded"; time: string; user: string | null };
  /** The entry appended to the audit log for this run, or null (recorded acceptance, or no log path). */
  auditEntry: AuditEntry | null;
  /** The override reason when the verdict blocked and the user overrode it. */
  overridden: string | null;
  /** Where the MAU came from: the params (flags), the profile file, or the earlier recorded acceptance. */
  mauSource: "params" | "profile" | "recorded";
}

const BLOCKING: readonly Verdict[] = ["requires-meta-license", "not-permitted"];

/**
 * Run the license check before a download. Throws LicenseBlockedError (category "license") when the
 * verdict is requires-meta-license / not-permitted (unless `override` is given), when the inputs the
 * check needs are missing, or when the license is neither accepted now nor recorded as accepted.
 * Call it before any network request; it performs none.
 */
export async function licenseGate(params: LicenseGateParams): Promise<LicenseGateResult> {
  const model = typeof params.model === "string" ? findModel({ name: params.model }) : params.model;
  const family = LICENSE_FAMILIES[model.license];
  const profile = params.profilePath ? await readProfile({ path: params.profilePath, signal: params.signal }) : {};
  const auditLogPath = params.auditLogPath === undefined ? licenseAuditLogPath() : (params.auditLogPath ?? undefined);
  const log = auditLogPath ? await readAuditLog({ path: auditLogPath }) : { entries: [] };
  const recorded = [...log.entries]
    .reverse()
    .find(
      (e) =>
        e.licenseFamily === family.id &&
        e.licenseVersion === family.version &&
        (!BLOCKING.includes(e.verdict) || e.override),
    );

  // Explicit params > profile > the declaration recorded with an earlier acceptance.
  const pick = <T>(a: T | undefined, b: T | undefined, c: T | undefined) =>
    a !== undefined ? a : b !== undefined ? b : c;
  const mau = pick<number | string>(params.mau, profile.mau, recorded?.mau);
  const manifest = params.hintsFor === "manifest";
  if (mau === undefined) {
    throw new LicenseBlockedError(
      "LICENSE_INPUT_REQUIRED",
      `The license check for ${model.name} needs your organisation's monthly active users, and no acceptance of the ${family.name} is recorded.`,
      {
        hint: manifest
          ? 'Set license.mau (and license.affiliatesMau for affiliates) in the manifest, or license.profile naming a profile with "mau", and accept with --accept-license or license.acceptLicense: true.'
          : 'Pass --mau N (add --affiliates-mau N for affiliates) and --accept-license, or --profile FILE with "mau".',
        details: { model: model.name, licenseFamily: family.id, missing: ["mau"] },
      },
    );
  }
  const mauSource = params.mau !== undefined ? "params" : profile.mau !== undefined ? "profile" : "recorded";
  const usesGiven = params.uses && params.uses.length > 0 ? params.uses : undefined;
  let evaluation: Evaluation;
  try {
    evaluation = evaluateLicense({
      model,
      mau,
      affiliatesMau: pick<number | string>(params.affiliatesMau, profile.affiliatesMau, recorded?.affiliatesMau),
      region: pick<string | null>(params.region, profile.region, recorded?.region) ?? undefined,
      endUser: pick(params.endUser, profile.endUser, recorded?.endUser),
      uses: pick<readonly string[]>(usesGiven, profile.uses, recorded?.uses),
      derivativeName: params.derivativeName ?? profile.derivativeName,
      productName: profile.productName,
    });
  } catch (e) {
    if (isLlamagateError(e) && e.code === "REGION_REQUIRED") {
      throw new LicenseBlockedError("LICENSE_INPUT_REQUIRED", e.message, {
        hint: manifest ? "Set license.region in the manifest (an ISO 3166-1 alpha-2 code, or EU)." : e.hint,
        details: { ...e.details, missing: ["region"] },
      });
    }
    throw e;
  }

  const override = params.override?.trim() || null;
  if (BLOCKING.includes(evaluation.verdict) && !override) throw blockedError(evaluation, manifest);

  if (!params.acceptLicense && recorded && !override) {
    return {
      verdict: evaluation.verdict,
      evaluation,
      acceptance: { via: "recorded", time: recorded.time, user: recorded.user },
      auditEntry: null,
      overridden: null,
      mauSource,
    };
  }
  // A check-only run neither prompts nor records: the flag (or the recorded acceptance above) must be there.
  const accepted = await acceptLicense({
    evaluation,
    family,
    acceptLicense: params.acceptLicense,
    interactive: params.checkOnly ? undefined : params.interactive,
    auditLogPath: params.checkOnly ? undefined : auditLogPath,
    recorded: log.entries,
    command: params.command ?? "download",
    override,
    licenseTextSha256: params.licenseTextSha256 ?? null,
    user: params.user,
    now: params.now,
  });
  if (!accepted.accepted && accepted.reason === "declined") {
    throw new LicenseBlockedError(
      "LICENSE_DECLINED",
      `You did not accept the ${family.name}; ${model.name} was not fetched.`,
      {
        hint: "Run again and accept, or pass --accept-license.",
        details: { model: model.name, licenseFamily: family.id },
      },
    );
  }
  if (!accepted.accepted) {
    throw new LicenseBlockedError(
      "LICENSE_NOT_ACCEPTED",
      `No acceptance of the ${family.name} is recorded for ${model.name}${override ? " (an override also needs an acceptance)" : ""}, and there is no terminal to ask on.`,
      {
        hint: `Read the terms (llamagate license show ${model.name}) and pass --accept-license${manifest ? " (or set license.acceptLicense: true in the manifest)" : ""} to accept them.`,
        details: { model: model.name, licenseFamily: family.id, verdict: evaluation.verdict },
      },
    );
  }
  // An identical acceptance already in the log is not recorded again: the run reuses it.
  const via = accepted.appended || !auditLogPath || params.checkOnly ? accepted.via : "recorded";
  return {
    verdict: evaluation.verdict,
    evaluation,
    acceptance: { via, time: accepted.time, user: accepted.user },
    auditEntry: accepted.appended ? accepted.entry : null,
    overridden: BLOCKING.includes(evaluation.verdict) ? override : null,
    mauSource,
  };
}

function blockedError(evaluation: Evaluation, manifest: boolean): LicenseBlockedError {
  const blocking = evaluation.reasons.filter((r) => r.effect === evaluation.verdict);
  const why = blocking.map((r) => `${r.text} [${r.clause.section}]`).join(" ");
  const requires = evaluation.verdict === "requires-meta-license";
  const overrideWords = manifest
    ? 'set license.override: "<reason>" in the manifest'
    : 'pass --license-override "<reason>"';
  return new LicenseBlockedError(
    requires ? "LICENSE_REQUIRES_META_LICENSE" : "LICENSE_NOT_PERMITTED",
    `License check for ${evaluation.model}: ${evaluation.verdict}. ${why}`,
    {
      hint: requires
        ? `Request a license from Meta; if Meta has granted one, ${overrideWords} (recorded in the audit log).`
        : `Change what blocks it (see llamagate license check), or ${overrideWords} if your organisation has cleared this use (recorded in the audit log).`,
      details: { model: evaluation.model, verdict: evaluation.verdict, reasons: blocking },
    },
  );
}
