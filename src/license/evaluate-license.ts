import type { CatalogModel } from "../catalog/models.js";
import { UsageError } from "../core/errors.js";
import { LICENSE_FAMILIES } from "./families.js";
import { matchesNamePrefix } from "./matches-name-prefix.js";
import { parseMau } from "./parse-mau.js";
import { parseRegion, type ParsedRegion } from "./parse-region.js";
import { parseUses } from "./parse-uses.js";
import {
  LICENSE_DISCLAIMER,
  type Evaluation,
  type LicenseFamily,
  type LicenseFamilyId,
  type Obligation,
  type Reason,
  type Rule,
  type Use,
  type Verdict,
} from "./types.js";

export interface EvaluateLicenseInput {
  /** The catalog entry of the model (its `license` names the family, `multimodal` matters for the EU clause). */
  model: CatalogModel;
  /** Licensee's monthly active users: a number or text such as "750M", "1.2B", "700,000,000", "7e8". */
  mau: number | string;
  /** Affiliates' monthly active users (counted together with the licensee's). @default 0 */
  affiliatesMau?: number | string;
  /**
   * ISO 3166-1 alpha-2 code or "EU" of the licensee's domicile / principal place of business. Required for multimodal
   * models of families with the EU clause.
   */
  region?: string;
  /**
   * The licensee is an end user of a product or service that incorporates the model (EU clause exception). @default
   * false
   */
  endUser?: boolean;
  /** Intended uses; see USES. @default [] */
  uses?: readonly string[];
  /** Name of the AI model the licensee will distribute or make available (checked against the naming rule). */
  derivativeName?: string;
  /** Name of the licensee's product (used in the attribution obligation's wording). */
  productName?: string;
  /** License families to read; defaults to the built-in data. */
  families?: Readonly<Record<LicenseFamilyId, LicenseFamily>>;
}

const SEVERITY: Record<Verdict, number> = {
  permitted: 0,
  "permitted-with-obligations": 1,
  "requires-meta-license": 2,
  "not-permitted": 3,
};
const DERIVING_USES: readonly Use[] = ["fine-tune", "train-other-llm", "use-outputs-for-other-models"];
const fmt = (n: number) => n.toLocaleString("en-US");

/**
 * Evaluate the license terms for one model and one organisation's declared facts. Pure: no I/O.
 * Bad inputs throw a UsageError naming the field; nothing defaults silently to "permitted".
 */
export function evaluateLicense(input: EvaluateLicenseInput): Evaluation {
  const families = input.families ?? LICENSE_FAMILIES;
  const family = families[input.model.license];
  if (!family)
    throw new UsageError(`No license data for family "${input.model.license}".`, { code: "UNKNOWN_LICENSE_FAMILY" });
  const mau = parseMau({ value: input.mau, field: "mau" });
  const affiliatesMau =
    input.affiliatesMau === undefined ? 0 : parseMau({ value: input.affiliatesMau, field: "affiliatesMau" });
  const region =
    input.region === undefined || input.region === "" ? null : parseRegion({ value: input.region, field: "region" });
  const uses = parseUses({ values: input.uses ?? [], field: "uses" });
  const endUser = input.endUser === true;
  const derivativeName = input.derivativeName?.trim() || null;
  const productName = input.productName?.trim() || null;

  const reasons: Reason[] = [];
  const obligations: Obligation[] = [];
  const reason = (code: string, effect: Reason["effect"], text: string, r: Rule) =>
    reasons.push({ code, effect, text, clause: r.clause });
  const oblige = (code: string, trigger: Use, text: string, r: Rule) => {
    if (!obligations.some((o) => o.code === code)) obligations.push({ code, trigger, text, clause: r.clause });
  };

  // §2: licensee and affiliates combined, strictly greater than the threshold.
  const combined = mau + affiliatesMau;
  const month = precedingMonth(family.mau.measuredBefore);
  const counted =
    affiliatesMau > 0 ? `${fmt(combined)} (licensee ${fmt(mau)} + affiliates ${fmt(affiliatesMau)})` : fmt(combined);
  const measured = `MAU counted for ${month}, the calendar month before the ${family.name.replace(/ Community License Agreement$/, "")} version release date ${family.mau.measuredBefore}`;
  if (combined > family.mau.threshold) {
    reason(
      "MAU_OVER_THRESHOLD",
      "requires-meta-license",
      `Declared MAU ${counted} is greater than ${fmt(family.mau.threshold)} (${measured}): you must request a license from Meta and may not use these rights until Meta grants it.`,
      family.mau,
    );
  } else {
    reason(
      "MAU_WITHIN_THRESHOLD",
      "permits",
      `Declared MAU ${counted} is not greater than ${fmt(family.mau.threshold)} (${measured}); §2 does not require a separate license.`,
      family.mau,
    );
  }

  evaluateEuClause({ family, model: input.model, region, endUser, reason });
  if (uses.includes("multimodal") && !input.model.multimodal) {
    reason(
      "MULTIMODAL_NOT_SUPPORTED",
      "note",
      `${input.model.name} is a text-only model; the declared multimodal use does not apply to it.`,
      family.grant,
    );
  }

  const where = productName ? ` for ${productName}` : "";
  const attribute = (trigger: Use) => {
    if (family.attribution)
      oblige(
        "ATTRIBUTION",
        trigger,
        `Prominently display "${family.attribution.text}" on a related website, user interface, blog post, about page or product documentation${where}.`,
        family.attribution,
      );
  };
  if (uses.includes("commercial")) {
    reason(
      "COMMERCIAL_USE",
      "permits",
      "Commercial use is within the grant of rights (subject to §2 and the Acceptable Use Policy).",
      family.grant,
    );
    // "make available ... a product or service that contains (3.1+) / uses (3) any of them" covers a served product.
    attribute("commercial");
  }
  if (uses.includes("redistribute")) {
    oblige(
      "SHIP_AGREEMENT",
      "redistribute",
      `Provide a copy of the ${family.name} with every copy of the materials (or derivatives) you distribute.`,
      family.shipAgreement,
    );
    oblige(
      "NOTICE_FILE",
      "redistribute",
      `Keep a "Notice" text file in every distributed copy containing: ${family.notice.text}`,
      family.notice,
    );
    attribute("redistribute");
  }
  if (uses.includes("fine-tune"))
    reason(
      "DERIVATIVES_ALLOWED",
      "permits",
      "Creating derivative works (fine-tuning) is within the grant of rights.",
      family.grant,
    );
  if (uses.includes("train-other-llm")) {
    if (!family.improveOtherLlms.allowed) {
      reason(
        "IMPROVE_OTHER_LLM_FORBIDDEN",
        "not-permitted",
        `The ${family.name} forbids using the materials or their outputs to improve any other large language model (only the family's own models and their derivatives are excepted).`,
        family.improveOtherLlms,
      );
    } else {
      reason(
        "IMPROVE_OTHER_LLM_ALLOWED",
        "permits",
        `The ${family.name} has no clause against improving other models; the naming rule applies to a model built this way.`,
        family.improveOtherLlms,
      );
    }
  }
  if (uses.includes("use-outputs-for-other-models") && !family.improveOtherLlms.allowed) {
    oblige(
      "OUTPUTS_NOT_FOR_OTHER_LLMS",
      "use-outputs-for-other-models",
      "Outputs may train or improve other models only if those are not large language models (or are this family's own models or derivatives of them).",
      family.improveOtherLlms,
    );
  }

  evaluateNaming({ family, uses, derivativeName, reason, oblige });
  if (derivativeName && !family.naming) {
    reason(
      "NO_NAMING_RULE",
      "note",
      `The ${family.name} has no naming rule for derived models; "${derivativeName}" is not restricted by it (trademarks: ${family.trademark.clause.section}).`,
      family.trademark,
    );
  }

  reason(
    "ACCEPTABLE_USE_POLICY",
    "note",
    `All use must follow the Acceptable Use Policy (${family.aupUrl}), part of the agreement.`,
    family.aup,
  );
  if (region?.inEeaOrSwitzerland) {
    reason(
      "CONTRACTING_PARTY_IRELAND",
      "note",
      "For licensees in the EEA or Switzerland the contracting party is Meta Platforms Ireland Limited.",
      family.contractingParty,
    );
  }

  let verdict: Verdict = obligations.length > 0 ? "permitted-with-obligations" : "permitted";
  for (const r of reasons) {
    if (r.effect === "requires-meta-license" || r.effect === "not-permitted") {
      if (SEVERITY[r.effect] > SEVERITY[verdict]) verdict = r.effect;
    }
  }
  return {
    verdict,
    model: input.model.name,
    family: family.id,
    licenseName: family.name,
    licenseVersion: family.version,
    reasons,
    obligations,
    inputs: {
      mau,
      affiliatesMau,
      combinedMau: combined,
      region: region?.code ?? null,
      endUser,
      uses,
      derivativeName,
      productName,
    },
    disclaimer: LICENSE_DISCLAIMER,
  };
}

function evaluateEuClause(p: {
  family: LicenseFamily;
  model: CatalogModel;
  region: ParsedRegion | null;
  endUser: boolean;
  reason: (code: string, effect: Reason["effect"], text: string, r: Rule) => void;
}): void {
  const eu = p.family.euMultimodal;
  if (!eu) return;
  if (!p.model.multimodal) {
    p.reason(
      "EU_CLAUSE_TEXT_ONLY",
      "note",
      `The EU restriction covers multimodal models only; ${p.model.name} is text-only, so it does not apply.`,
      eu,
    );
    return;
  }
  if (!p.region) {
    throw new UsageError(
      `The license check for ${p.model.name} needs the region: its Acceptable Use Policy withholds rights for multimodal models from EU-based licensees.`,
      {
        code: "REGION_REQUIRED",
        hint: 'Pass --region with your country code (e.g. US, DE) or EU (or set "region" in the profile file).',
        details: { field: "region", model: p.model.name },
      },
    );
  }
  if (!p.region.inEu) {
    p.reason(
      "EU_RESTRICTION_NOT_APPLICABLE",
      "permits",
      `Region ${p.region.code} is outside the European Union; the EU restriction on multimodal models does not apply.`,
      eu,
    );
  } else if (p.endUser && eu.endUserExempt) {
    p.reason(
      "EU_END_USER_EXCEPTION",
      "permits",
      `Region ${p.region.code} is in the European Union, but the restriction does not apply to end users of a product or service that incorporates the model.`,
      eu,
    );
  } else {
    p.reason(
      "EU_MULTIMODAL_RESTRICTED",
      "not-permitted",
      `Region ${p.region.code} is in the European Union: the §1(a) rights for multimodal model ${p.model.name} are not granted to individuals domiciled or companies with their principal place of business there (end users of a product that incorporates it are exempt: --end-user).`,
      eu,
    );
  }
}

function evaluateNaming(p: {
  family: LicenseFamily;
  uses: readonly Use[];
  derivativeName: string | null;
  reason: (code: string, effect: Reason["effect"], text: string, r: Rule) => void;
  oblige: (code: string, trigger: Use, text: string, r: Rule) => void;
}): void {
  const naming = p.family.naming;
  if (!naming) return;
  // Which declared use brings a derived model under the rule (Llama 3's rule names the materials, not outputs).
  const trigger = DERIVING_USES.find(
    (u) => p.uses.includes(u) && (u !== "use-outputs-for-other-models" || naming.coversOutputs),
  );
  const outputsOnly = !trigger && p.uses.includes("use-outputs-for-other-models");
  if (trigger) {
    p.oblige(
      "NAMING",
      trigger,
      `If the resulting AI model is distributed or made available, its name must begin with "${naming.prefix}".`,
      naming,
    );
  }
  if (!p.derivativeName || outputsOnly) return;
  const match = matchesNamePrefix({ name: p.derivativeName, prefix: naming.prefix });
  if (match === "no") {
    p.reason(
      "NAMING_VIOLATION",
      "not-permitted",
      `Derived model name "${p.derivativeName}" does not begin with "${naming.prefix}"; rename it (e.g. "${naming.prefix.replace(/ /g, "-")}-${p.derivativeName}").`,
      naming,
    );
  } else {
    p.reason(
      "NAMING_OK",
      "permits",
      `Derived model name "${p.derivativeName}" begins with "${naming.prefix}"${match === "loose" ? ` (spelled differently from the exact "${naming.prefix}"; Meta's brand guidelines apply)` : ""}.`,
      naming,
    );
  }
}

/** "2024-07-23" -> "June 2024": the calendar month before a date. */
function precedingMonth(isoDate: string): string {
  const [y, m] = isoDate.split("-").map(Number) as [number, number];
  const d = new Date(Date.UTC(m === 1 ? y - 1 : y, m === 1 ? 11 : m - 2, 1));
  return d.toLocaleString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
}
