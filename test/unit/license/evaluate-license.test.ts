import { describe, expect, it } from "vitest";
import { findModel } from "../../../src/catalog/find-model.js";
import { UsageError } from "../../../src/core/errors.js";
import { evaluateLicense, type EvaluateLicenseInput } from "../../../src/license/evaluate-license.js";
import type { Evaluation, Verdict } from "../../../src/license/types.js";

const m = (name: string) => findModel({ name });
type Case = Omit<EvaluateLicenseInput, "model"> & { model: string };
const run = (c: Case): Evaluation => evaluateLicense({ ...c, model: m(c.model) });
const codes = (e: Evaluation) => e.reasons.map((r) => r.code);
const obligationCodes = (e: Evaluation) => e.obligations.map((o) => o.code);

// One text model per family, plus the region the family's multimodal check needs (Llama 4 models are multimodal).
const FAMILY_MODELS: [string, string, string | undefined][] = [
  ["llama2", "llama-2-7b", undefined],
  ["llama2 (Code Llama)", "codellama-34b-python", undefined],
  ["llama3", "llama-3-8b-instruct", undefined],
  ["llama3.1", "llama-3.1-405b", undefined],
  ["llama3.2", "llama-3.2-1b", undefined],
  ["llama3.3", "llama-3.3-70b-instruct", undefined],
  ["llama4", "llama-4-scout-17b-16e-instruct", "US"],
];

describe("evaluateLicense: the 700M MAU boundary (§2), every family", () => {
  const table: [number | string, number | string | undefined, Verdict][] = [
    [699_999_999, undefined, "permitted"],
    [700_000_000, undefined, "permitted"],
    ["700,000,000", undefined, "permitted"],
    [700_000_001, undefined, "requires-meta-license"],
    ["750M", undefined, "requires-meta-license"],
    [400_000_000, 300_000_000, "permitted"],
    [400_000_000, 300_000_001, "requires-meta-license"],
    [0, "700000001", "requires-meta-license"],
  ];
  for (const [label, model, region] of FAMILY_MODELS) {
    it.each(table)(`${label}: mau %j + affiliates %j -> %s`, (mau, affiliatesMau, verdict) => {
      const e = run({ model, mau, affiliatesMau, region });
      expect(e.verdict).toBe(verdict);
      const mauReason = e.reasons.find((r) => r.code.startsWith("MAU_"))!;
      expect(mauReason.clause.section).toBe("§2");
      expect(mauReason.code).toBe(verdict === "permitted" ? "MAU_WITHIN_THRESHOLD" : "MAU_OVER_THRESHOLD");
    });
  }

  it("states the measured month: the calendar month before the version release date", () => {
    expect(run({ model: "llama-2-7b", mau: 1 }).reasons[0]!.text).toContain("June 2023");
    expect(run({ model: "llama-3-8b", mau: 1 }).reasons[0]!.text).toContain("March 2024");
    expect(run({ model: "llama-3.1-8b", mau: 1 }).reasons[0]!.text).toContain("June 2024");
    expect(run({ model: "llama-3.2-3b", mau: 1 }).reasons[0]!.text).toContain("August 2024");
    expect(run({ model: "llama-3.3-70b-instruct", mau: 1 }).reasons[0]!.text).toContain("November 2024");
    expect(run({ model: "llama-4-maverick-17b-128e", mau: 1, region: "JP" }).reasons[0]!.text).toContain("March 2025");
  });

  it("reports the combined count with both parts", () => {
    const e = run({ model: "llama-2-7b", mau: 400_000_000, affiliatesMau: 300_000_001 });
    expect(e.inputs.combinedMau).toBe(700_000_001);
    expect(e.reasons[0]!.text).toContain("700,000,001 (licensee 400,000,000 + affiliates 300,000,001)");
  });
});

describe("evaluateLicense: EU restriction on multimodal models (AUP)", () => {
  it.each([
    ["llama-3.2-11b-vision-instruct", "DE", false, "not-permitted", "EU_MULTIMODAL_RESTRICTED"],
    ["llama-3.2-90b-vision", "EU", false, "not-permitted", "EU_MULTIMODAL_RESTRICTED"],
    ["llama-3.2-11b-vision", "GF", false, "not-permitted", "EU_MULTIMODAL_RESTRICTED"],
    ["llama-4-scout-17b-16e-instruct", "FR", false, "not-permitted", "EU_MULTIMODAL_RESTRICTED"],
    ["llama-4-maverick-17b-128e-instruct", "IE", false, "not-permitted", "EU_MULTIMODAL_RESTRICTED"],
    ["llama-3.2-11b-vision-instruct", "DE", true, "permitted", "EU_END_USER_EXCEPTION"],
    ["llama-4-scout-17b-16e", "EU", true, "permitted", "EU_END_USER_EXCEPTION"],
    ["llama-3.2-11b-vision-instruct", "US", false, "permitted", "EU_RESTRICTION_NOT_APPLICABLE"],
    ["llama-3.2-11b-vision-instruct", "CH", false, "permitted", "EU_RESTRICTION_NOT_APPLICABLE"],
    ["llama-3.2-11b-vision-instruct", "GB", false, "permitted", "EU_RESTRICTION_NOT_APPLICABLE"],
    ["llama-3.2-3b-instruct", "DE", false, "permitted", "EU_CLAUSE_TEXT_ONLY"],
    ["llama-3.3-70b-instruct", "DE", false, "permitted", "EU_CLAUSE_TEXT_ONLY"],
  ] as const)("%s in %s (end user %s) -> %s", (model, region, endUser, verdict, code) => {
    const e = run({ model, mau: 1000, region, endUser });
    expect(e.verdict).toBe(verdict);
    const r = e.reasons.find((x) => x.code === code)!;
    expect(r).toBeDefined();
    expect(r.clause.document).toBe("aup");
  });

  it("does not apply the EU clause to Llama 3.1 or Llama 2 at all", () => {
    for (const model of ["llama-3.1-8b", "llama-2-7b"]) {
      const e = run({ model, mau: 1000, region: "DE", uses: ["multimodal"] });
      expect(e.verdict).toBe("permitted");
      expect(codes(e).some((c) => c.startsWith("EU_"))).toBe(false);
    }
  });

  it("needs the region for a multimodal model of a family with the clause, instead of assuming non-EU", () => {
    expect(() => run({ model: "llama-3.2-11b-vision", mau: 1000 })).toThrow(
      expect.objectContaining({ code: "REGION_REQUIRED", category: "usage" }),
    );
    expect(() => run({ model: "llama-4-scout-17b-16e", mau: 1000 })).toThrow(/region/);
  });

  it("notes the Irish contracting party for EEA/Swiss licensees", () => {
    expect(codes(run({ model: "llama-2-7b", mau: 1, region: "NO" }))).toContain("CONTRACTING_PARTY_IRELAND");
    expect(codes(run({ model: "llama-2-7b", mau: 1, region: "US" }))).not.toContain("CONTRACTING_PARTY_IRELAND");
  });
});

describe("evaluateLicense: improving other LLMs and the naming rule", () => {
  it.each([
    ["llama-2-7b", undefined, "not-permitted", "IMPROVE_OTHER_LLM_FORBIDDEN", "§1.b.v"],
    ["codellama-7b-instruct", undefined, "not-permitted", "IMPROVE_OTHER_LLM_FORBIDDEN", "§1.b.v"],
    ["llama-3-70b", "Llama-3-Acme", "not-permitted", "IMPROVE_OTHER_LLM_FORBIDDEN", "§1.b.v"],
    ["llama-3.1-8b", undefined, "permitted-with-obligations", "IMPROVE_OTHER_LLM_ALLOWED", "§1.b.i"],
    ["llama-3.1-8b", "Llama-Acme-8B", "permitted-with-obligations", "NAMING_OK", "§1.b.i"],
    ["llama-3.1-8b", "Acme-8B", "not-permitted", "NAMING_VIOLATION", "§1.b.i"],
    ["llama-3.3-70b-instruct", "AcmeLlama", "not-permitted", "NAMING_VIOLATION", "§1.b.i"],
    ["llama-3.2-1b", "llama-acme", "permitted-with-obligations", "NAMING_OK", "§1.b.i"],
  ] as const)("train-other-llm with %s, derivative %j -> %s", (model, derivativeName, verdict, code, section) => {
    const e = run({ model, mau: 1000, uses: ["train-other-llm"], derivativeName });
    expect(e.verdict).toBe(verdict);
    const r = e.reasons.find((x) => x.code === code)!;
    expect(r.clause.section).toBe(section);
    if (verdict === "permitted-with-obligations") {
      const naming = e.obligations.find((o) => o.code === "NAMING")!;
      expect(naming.text).toContain('begin with "Llama"');
      expect(naming.trigger).toBe("train-other-llm");
    }
  });

  it('Llama 3 fine-tunes must begin with "Llama 3"', () => {
    expect(run({ model: "llama-3-8b", mau: 1, uses: ["fine-tune"], derivativeName: "Llama 3 Acme" }).verdict).toBe(
      "permitted-with-obligations",
    );
    expect(run({ model: "llama-3-8b", mau: 1, uses: ["fine-tune"], derivativeName: "Llama-Acme" }).verdict).toBe(
      "not-permitted",
    );
    expect(run({ model: "llama-3-8b", mau: 1, uses: ["fine-tune"] }).obligations.map((o) => o.text)).toContain(
      'If the resulting AI model is distributed or made available, its name must begin with "Llama 3".',
    );
  });

  it("Llama 2 has no naming rule: any derivative name, fine-tuning is simply permitted", () => {
    const e = run({ model: "llama-2-13b-chat", mau: 1, uses: ["fine-tune"], derivativeName: "Acme-Chat" });
    expect(e.verdict).toBe("permitted");
    expect(codes(e)).toContain("NO_NAMING_RULE");
  });

  it("outputs for other models: Llama 2/3 allow them only for non-LLMs; 3.1+ ask for the naming rule; Llama 3's rule does not cover outputs", () => {
    const l2 = run({ model: "llama-2-7b", mau: 1, uses: ["use-outputs-for-other-models"] });
    expect(l2.verdict).toBe("permitted-with-obligations");
    expect(obligationCodes(l2)).toEqual(["OUTPUTS_NOT_FOR_OTHER_LLMS"]);
    expect(l2.obligations[0]!.clause.section).toBe("§1.b.v");
    const l3 = run({ model: "llama-3-8b", mau: 1, uses: ["use-outputs-for-other-models"], derivativeName: "Acme" });
    expect(obligationCodes(l3)).toEqual(["OUTPUTS_NOT_FOR_OTHER_LLMS"]);
    expect(l3.verdict).toBe("permitted-with-obligations");
    const l31 = run({ model: "llama-3.1-70b", mau: 1, uses: ["use-outputs-for-other-models"] });
    expect(obligationCodes(l31)).toEqual(["NAMING"]);
  });
});

describe("evaluateLicense: redistribution and attribution", () => {
  it.each([
    [
      "llama-2-70b",
      ["SHIP_AGREEMENT", "NOTICE_FILE"],
      "Llama 2 is licensed under the LLAMA 2 Community License, Copyright (c) Meta Platforms, Inc. All Rights Reserved.",
      null,
    ],
    [
      "llama-3-8b",
      ["SHIP_AGREEMENT", "NOTICE_FILE", "ATTRIBUTION"],
      "Meta Llama 3 is licensed under the Meta Llama 3 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.",
      "Built with Meta Llama 3",
    ],
    [
      "llama-3.1-8b",
      ["SHIP_AGREEMENT", "NOTICE_FILE", "ATTRIBUTION"],
      "Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.",
      "Built with Llama",
    ],
    [
      "llama-4-scout-17b-16e",
      ["SHIP_AGREEMENT", "NOTICE_FILE", "ATTRIBUTION"],
      "Llama 4 is licensed under the Llama 4 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.",
      "Built with Llama",
    ],
  ] as const)("redistributing %s", (model, expected, notice, display) => {
    const e = run({ model, mau: 1, uses: ["redistribute"], region: "US", productName: "Acme Chat" });
    expect(e.verdict).toBe("permitted-with-obligations");
    expect(obligationCodes(e)).toEqual(expected);
    expect(e.obligations.find((o) => o.code === "NOTICE_FILE")!.text).toContain(notice);
    expect(e.obligations.find((o) => o.code === "NOTICE_FILE")!.clause.section).toBe("§1.b.iii");
    const attribution = e.obligations.find((o) => o.code === "ATTRIBUTION");
    if (display) expect(attribution!.text).toContain(`"${display}"`);
    if (display) expect(attribution!.text).toContain("for Acme Chat");
  });

  it("commercial use: permitted for Llama 2, with the display duty for later families", () => {
    expect(run({ model: "llama-2-7b", mau: 5, uses: ["commercial"] }).verdict).toBe("permitted");
    const e = run({ model: "llama-3.1-8b", mau: 5, uses: ["commercial"] });
    expect(e.verdict).toBe("permitted-with-obligations");
    expect(obligationCodes(e)).toEqual(["ATTRIBUTION"]);
  });
});

describe("evaluateLicense: verdict combination, clause refs and bad input", () => {
  it("not-permitted outranks requires-meta-license", () => {
    const e = run({ model: "llama-2-7b", mau: "1B", uses: ["train-other-llm"] });
    expect(e.verdict).toBe("not-permitted");
    expect(codes(e)).toEqual(expect.arrayContaining(["MAU_OVER_THRESHOLD", "IMPROVE_OTHER_LLM_FORBIDDEN"]));
  });

  it("every reason and obligation cites a section, and carries the disclaimer", () => {
    const e = run({
      model: "llama-3.2-11b-vision",
      mau: 1,
      region: "DE",
      endUser: true,
      uses: [
        "commercial",
        "redistribute",
        "fine-tune",
        "train-other-llm",
        "use-outputs-for-other-models",
        "multimodal",
      ],
      derivativeName: "Llama-X",
    });
    for (const x of [...e.reasons, ...e.obligations]) expect(x.clause.section.length).toBeGreaterThan(1);
    expect(e.disclaimer).toBe("automated reading of the license text, not legal advice");
  });

  it("flags a multimodal use of a text-only model", () => {
    expect(codes(run({ model: "llama-2-7b", mau: 1, uses: ["multimodal"] }))).toContain("MULTIMODAL_NOT_SUPPORTED");
  });

  it.each([
    [{ mau: "-1" }, "mau"],
    [{ mau: "lots" }, "mau"],
    [{ mau: 1, affiliatesMau: "1.5" }, "affiliatesMau"],
    [{ mau: 1, region: "XY" }, "region"],
    [{ mau: 1, uses: ["sell"] }, "uses"],
  ])("rejects %j with a UsageError naming %s", (input, field) => {
    let err: unknown;
    try {
      run({ model: "llama-2-7b", ...input } as Case);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toContain(field);
  });
});
