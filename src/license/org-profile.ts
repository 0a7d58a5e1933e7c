import type { Use } from "./types.js";

/** An organisation profile (`--profile org.json`); docs/profile.schema.json is its JSON Schema. */
export interface OrgProfile {
  /** Organisation name, for the record. */
  organization?: string;
  /** Licensee's monthly active users. */
  mau?: number;
  /** Affiliates' monthly active users (counted with the licensee's). */
  affiliatesMau?: number;
  /** ISO 3166-1 alpha-2 code or "EU". */
  region?: string;
  /** End user of a product that incorporates the model (EU clause exception). */
  endUser?: boolean;
  uses?: Use[];
  productName?: string;
  derivativeName?: string;
}

/** Fields a profile may have ("$schema" is allowed and ignored). */
export const PROFILE_FIELDS = [
  "organization",
  "mau",
  "affiliatesMau",
  "region",
  "endUser",
  "uses",
  "productName",
  "derivativeName",
] as const;
