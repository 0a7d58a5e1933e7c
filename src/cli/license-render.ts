import { LICENSE_DISCLAIMER, type CatalogModel, type Evaluation, type LicenseFamily, type Rule } from "../index.js";

const VERDICT_LABEL: Record<Evaluation["verdict"], string> = {
  permitted: "PERMITTED",
  "permitted-with-obligations": "PERMITTED WITH OBLIGATIONS",
  "requires-meta-license": "REQUIRES A LICENSE FROM META",
  "not-permitted": "NOT PERMITTED",
};

const EFFECT_MARK: Record<string, string> = {
  permits: "ok",
  note: "note",
  "requires-meta-license": "BLOCKS",
  "not-permitted": "BLOCKS",
};

/** Human-readable lines of a license check result. */
export function renderEvaluation(ev: Evaluation, family: LicenseFamily): string[] {
  const lines = [
    `${ev.model}: ${family.name} (version ${family.version}, ${family.versionDate})`,
    `Verdict: ${VERDICT_LABEL[ev.verdict]} (${ev.verdict})`,
    "",
    "Reasons:",
    ...ev.reasons.map((r) => `  [${EFFECT_MARK[r.effect] ?? r.effect}] ${r.text} (${ref(r.clause)})`),
  ];
  if (ev.obligations.length > 0) {
    lines.push(
      "",
      "Obligations:",
      ...ev.obligations.map((o) => `  - ${o.text} (${ref(o.clause)}; because of --use ${o.trigger})`),
    );
  }
  lines.push("", `This is an ${LICENSE_DISCLAIMER}.`);
  return lines;
}

/** Human-readable key terms of a family, each with its section. */
export function renderFamily(family: LicenseFamily, model?: CatalogModel): string[] {
  const rules: [string, Rule | null][] = [
    ["Grant", family.grant],
    ["700M MAU", family.mau],
    ["Other LLMs", family.improveOtherLlms],
    ["Naming", family.naming],
    ["Attribution", family.attribution],
    ["Redistribution", family.shipAgreement],
    ["Notice file", family.notice],
    ["EU", family.euMultimodal],
    ["Acceptable use", family.aup],
    ["End-user products", family.endUserProducts],
    ["Contracting party", family.contractingParty],
    ["Trademarks", family.trademark],
  ];
  const lines = [
    model
      ? `${model.name} (${model.title}, released ${model.released}${model.multimodal ? ", multimodal" : ""}) is under the ${family.name}.`
      : family.name,
    `License version ${family.version}, dated ${family.versionDate}; covers ${family.covers.map((c) => `${c.name} (${c.released})`).join(", ")}.`,
    "",
  ];
  for (const [label, r] of rules) {
    if (!r) {
      lines.push(`  ${label}: no such clause in this agreement.`);
      continue;
    }
    lines.push(`  ${label} [${ref(r.clause)}]: ${r.summary}`);
  }
  lines.push(
    "",
    `Acceptable Use Policy: ${family.aupUrl}`,
    family.licenseTextSha256.length
      ? `Known LICENSE text sha256: ${family.licenseTextSha256.join(", ")}`
      : "Known LICENSE text sha256: none recorded yet (a downloaded LICENSE cannot be compared).",
    "",
    `This is an ${LICENSE_DISCLAIMER}.`,
  );
  return lines;
}

function ref(c: Rule["clause"]): string {
  return c.section;
}
