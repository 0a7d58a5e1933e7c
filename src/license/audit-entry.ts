import type { LicenseFamilyId, Use, Verdict } from "./types.js";

/** One line of the append-only acceptance audit log (license-audit.jsonl). */
export interface AuditEntry {
  /** ISO 8601 time of the acceptance. */
  time: string;
  /** OS user who accepted, or null when it could not be determined. */
  user: string | null;
  /** Catalog name of the model. */
  model: string;
  licenseFamily: LicenseFamilyId;
  licenseVersion: string;
  licenseName: string;
  /** sha256 of the LICENSE text shipped with the weights, when known; null otherwise. */
  licenseTextSha256: string | null;
  mau: number;
  affiliatesMau: number;
  region: string | null;
  endUser: boolean;
  uses: Use[];
  verdict: Verdict;
  /** How the acceptance was given: the --accept-license flag, or an answer at the terminal prompt. */
  acceptedVia: "flag" | "prompt";
  /** The command that recorded it, e.g. "license check" or "download". */
  command: string;
  /** Reason the user gave to proceed despite a blocking verdict, or null. */
  override: string | null;
}
