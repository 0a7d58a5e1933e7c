import { UsageError } from "../core/errors.js";
import {
  ACCEPTED_USER_ASSIGNED,
  EEA_NON_EU_AND_CH,
  EU_MEMBER_STATES,
  EU_TERRITORIES,
  ISO_3166_ALPHA2,
  REGION_SUGGESTIONS,
} from "./regions.js";

export interface ParseRegionParams {
  /** What the user gave: an ISO 3166-1 alpha-2 country code (any case) or "EU". */
  value: unknown;
  /** Name of the field or flag, used in the error message. */
  field: string;
}

export interface ParsedRegion {
  /** Upper-case code, or "EU". */
  code: string;
  /** In the European Union (a member state, an EU territory with its own code, or "EU" itself). */
  inEu: boolean;
  /** In the EEA or Switzerland (the agreements name Meta Platforms Ireland as the party there). */
  inEeaOrSwitzerland: boolean;
}

/** Validate a region code; unknown codes are a UsageError naming the field (never a silent default). */
export function parseRegion({ value, field }: ParseRegionParams): ParsedRegion {
  const code = typeof value === "string" ? value.trim().toUpperCase() : "";
  if (code === "EU") return { code, inEu: true, inEeaOrSwitzerland: true };
  if (/^[A-Z]{2}$/.test(code) && (ISO_3166_ALPHA2.includes(code) || ACCEPTED_USER_ASSIGNED.includes(code))) {
    const inEu = EU_MEMBER_STATES.includes(code) || EU_TERRITORIES.includes(code);
    return { code, inEu, inEeaOrSwitzerland: inEu || EEA_NON_EU_AND_CH.includes(code) };
  }
  const suggestion = REGION_SUGGESTIONS[code];
  throw new UsageError(`Unknown ${field} ${JSON.stringify(value)}: not an ISO 3166-1 alpha-2 country code or "EU".`, {
    code: "INVALID_REGION",
    hint: suggestion
      ? `Did you mean ${suggestion}? Give ${field} as a two-letter country code (e.g. US, DE, GB) or EU.`
      : `Give ${field} as a two-letter ISO 3166-1 country code (e.g. US, DE, GB) or EU.`,
    details: { field, value: typeof value === "string" ? value : String(value), ...(suggestion ? { suggestion } : {}) },
  });
}
