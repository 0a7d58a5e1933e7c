/**
 * Types of the license model. Families are data (./families.ts); the evaluator (./evaluate-license.ts)
 * reads them and never branches on a family's name.
 */
import type { LicenseFamilyId } from "../catalog/models.js";

export type { LicenseFamilyId };

/** The sentence every license output carries. */
export const LICENSE_DISCLAIMER = "automated reading of the license text, not legal advice";

/** Where a rule comes from: the license body or its Acceptable Use Policy. */
export interface ClauseRef {
  /** "license" = the Community License Agreement; "aup" = the Acceptable Use Policy it incorporates. */
  document: "license" | "aup";
  /** Section as the text numbers it, e.g. "§2", "§1.b.v"; for the AUP a short locator. */
  section: string;
  /** Short heading, e.g. "Additional Commercial Terms". */
  title: string;
}

/** A rule with the words it comes from (short quote, kept verbatim) and its section. */
export interface Rule {
  clause: ClauseRef;
  /** Plain-language reading of the rule. */
  summary: string;
  /** Short verbatim excerpt of the text, for a reviewer to find the clause. */
  quote: string;
}

export interface LicenseFamily {
  id: LicenseFamilyId;
  /** Full agreement name, e.g. "Llama 3.1 Community License Agreement". */
  name: string;
  /** Label of the license version, e.g. "3.1". Recorded in the audit log with the family. */
  version: string;
  /** The "Version Release Date" (or Llama 4's "Effective Date") printed at the top of the agreement, yyyy-mm-dd. */
  versionDate: string;
  /** Model releases the agreement covers, with their release dates. */
  covers: readonly { name: string; released: string }[];
  /** sha256 (hex) of known LICENSE files for this family as shipped with the weights. Empty: not known yet. */
  licenseTextSha256: readonly string[];
  /** URL of the Acceptable Use Policy (§1.b.iv). */
  aupUrl: string;
  /** §1.a: the grant of rights (use, reproduce, distribute, modify; commercial use included). */
  grant: Rule;
  /** Section 2: monthly active users threshold and how MAU is measured. */
  mau: Rule & {
    /** Licensee + affiliates MAU strictly greater than this requires a license from Meta. */
    threshold: number;
    /** The date whose preceding calendar month is measured (the version release date), yyyy-mm-dd. */
    measuredBefore: string;
  };
  /** Copy of the agreement with every redistribution. */
  shipAgreement: Rule;
  /** Notice file text that must be retained in distributed copies. */
  notice: Rule & { text: string };
  /** "Built with ..." display; null when the family has no display duty (Llama 2). */
  attribution: (Rule & { text: string }) | null;
  /** Naming rule for derived AI models; null when the family has none (Llama 2). */
  naming: (Rule & { prefix: string; coversOutputs: boolean }) | null;
  /** Using the materials or outputs to improve other large language models. */
  improveOtherLlms: Rule & { allowed: boolean };
  /** EU restriction on multimodal models (in the AUP), or null. */
  euMultimodal: (Rule & { endUserExempt: boolean }) | null;
  /** Acceptable Use Policy incorporation (§1.b.iv). */
  aup: Rule;
  /** Who "Meta" is for EEA/Swiss licensees (the contracting entity). */
  contractingParty: Rule;
  /** Integrated end-user products (§1.b.ii). */
  endUserProducts: Rule;
  /** Trademark licence, if any (§5.a). */
  trademark: Rule;
}

export type Verdict = "permitted" | "permitted-with-obligations" | "requires-meta-license" | "not-permitted";

export const USES = [
  "commercial",
  "redistribute",
  "fine-tune",
  "train-other-llm",
  "use-outputs-for-other-models",
  "multimodal",
] as const;
export type Use = (typeof USES)[number];

/** ISO 3166-1 alpha-2 code (upper case) or "EU". */
export type Region = string;

/** One line of the verdict: why, with its clause. */
export interface Reason {
  /** Stable machine code, e.g. "MAU_OVER_THRESHOLD". */
  code: string;
  /** What this line does to the verdict. "note" lines inform only. */
  effect: "permits" | "obligation" | "requires-meta-license" | "not-permitted" | "note";
  text: string;
  clause: ClauseRef;
}

/** Something the licensee must do to stay within the license. */
export interface Obligation {
  code: string;
  text: string;
  clause: ClauseRef;
  /** The declared use that triggers it. */
  trigger: Use;
}

export interface Evaluation {
  verdict: Verdict;
  model: string;
  family: LicenseFamilyId;
  licenseName: string;
  licenseVersion: string;
  reasons: Reason[];
  obligations: Obligation[];
  /** The inputs as evaluated (normalised). */
  inputs: {
    mau: number;
    affiliatesMau: number;
    combinedMau: number;
    region: Region | null;
    endUser: boolean;
    uses: Use[];
    derivativeName: string | null;
    productName: string | null;
  };
  disclaimer: typeof LICENSE_DISCLAIMER;
}
