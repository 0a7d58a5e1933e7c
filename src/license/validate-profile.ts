import { UsageError } from "../core/errors.js";
import { PROFILE_FIELDS, type OrgProfile } from "./org-profile.js";
import { parseMau } from "./parse-mau.js";
import { parseRegion } from "./parse-region.js";
import { parseUses } from "./parse-uses.js";

export interface ValidateProfileParams {
  /** The parsed JSON value. */
  value: unknown;
  /** Where it came from (file name), used in error messages. */
  source: string;
}

/**
 * Check an organisation profile field by field; the first problem is a UsageError that names the
 * file and the field. Unknown fields are errors too (a typo such as "MAU" must not be ignored).
 */
export function validateProfile({ value, source }: ValidateProfileParams): OrgProfile {
  const fail = (field: string, why: string): never => {
    throw new UsageError(`Profile ${source}: field "${field}" ${why}.`, {
      code: "INVALID_PROFILE",
      hint: "See docs/license.md (profile file) and docs/profile.schema.json for the fields and their types.",
      details: { source, field },
    });
  };
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`Profile ${source} must be a JSON object.`, {
      code: "INVALID_PROFILE",
      hint: "See docs/license.md (profile file).",
      details: { source },
    });
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key === "$schema" || (PROFILE_FIELDS as readonly string[]).includes(key)) continue;
    const near = PROFILE_FIELDS.find((f) => f.toLowerCase() === key.toLowerCase().replace(/[-_]/g, ""));
    fail(
      key,
      `is not a profile field${near ? ` (did you mean "${near}"?)` : ` (allowed: ${PROFILE_FIELDS.join(", ")})`}`,
    );
  }
  const out: OrgProfile = {};
  const str = (field: "organization" | "productName" | "derivativeName") => {
    const v = obj[field];
    if (v === undefined) return;
    if (typeof v !== "string" || v.trim() === "") fail(field, "must be a non-empty string");
    out[field] = (v as string).trim();
  };
  str("organization");
  str("productName");
  str("derivativeName");
  const inFile = (f: string) => `"${f}" in ${source}`;
  if (obj.mau !== undefined) out.mau = parseMau({ value: obj.mau, field: inFile("mau") });
  if (obj.affiliatesMau !== undefined)
    out.affiliatesMau = parseMau({ value: obj.affiliatesMau, field: inFile("affiliatesMau") });
  if (obj.region !== undefined) out.region = parseRegion({ value: obj.region, field: inFile("region") }).code;
  if (obj.endUser !== undefined) {
    if (typeof obj.endUser !== "boolean") fail("endUser", "must be true or false");
    out.endUser = obj.endUser as boolean;
  }
  if (obj.uses !== undefined) {
    if (!Array.isArray(obj.uses)) fail("uses", 'must be an array of strings, e.g. ["commercial", "fine-tune"]');
    out.uses = parseUses({ values: obj.uses as unknown[], field: inFile("uses") });
  }
  return out;
}
