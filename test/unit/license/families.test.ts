import { describe, expect, it } from "vitest";
import { LICENSE_FAMILIES } from "../../../src/license/families.js";
import type { LicenseFamily, Rule } from "../../../src/license/types.js";

// Hand-copied from shared/reference/meta-license.md §6 (the LICENSE and USE_POLICY texts).
const EXPECTED = {
  llama2: {
    date: "2023-07-18",
    improve: false,
    naming: null,
    display: null,
    eu: false,
    aup: "https://ai.meta.com/llama/use-policy",
    notice:
      "Llama 2 is licensed under the LLAMA 2 Community License, Copyright (c) Meta Platforms, Inc. All Rights Reserved.",
  },
  llama3: {
    date: "2024-04-18",
    improve: false,
    naming: "Llama 3",
    display: "Built with Meta Llama 3",
    eu: false,
    aup: "https://llama.meta.com/llama3/use-policy",
    notice:
      "Meta Llama 3 is licensed under the Meta Llama 3 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.",
  },
  "llama3.1": {
    date: "2024-07-23",
    improve: true,
    naming: "Llama",
    display: "Built with Llama",
    eu: false,
    aup: "https://llama.meta.com/llama3_1/use-policy",
    notice:
      "Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.",
  },
  "llama3.2": {
    date: "2024-09-25",
    improve: true,
    naming: "Llama",
    display: "Built with Llama",
    eu: true,
    aup: "https://www.llama.com/llama3_2/use-policy",
    notice:
      "Llama 3.2 is licensed under the Llama 3.2 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.",
  },
  "llama3.3": {
    date: "2024-12-06",
    improve: true,
    naming: "Llama",
    display: "Built with Llama",
    eu: true,
    aup: "https://www.llama.com/llama3_3/use-policy",
    notice:
      "Llama 3.3 is licensed under the Llama 3.3 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.",
  },
  llama4: {
    date: "2025-04-05",
    improve: true,
    naming: "Llama",
    display: "Built with Llama",
    eu: true,
    aup: "https://www.llama.com/llama4/use-policy",
    notice:
      "Llama 4 is licensed under the Llama 4 Community License, Copyright © Meta Platforms, Inc. All Rights Reserved.",
  },
} as const;

describe("license families (data)", () => {
  it("has exactly the six families", () => {
    expect(Object.keys(LICENSE_FAMILIES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [id, x] of Object.entries(EXPECTED)) {
    it(`${id}: terms as the text has them`, () => {
      const f: LicenseFamily = LICENSE_FAMILIES[id as keyof typeof EXPECTED];
      expect(f.id).toBe(id);
      expect(f.versionDate).toBe(x.date);
      expect(f.mau.threshold).toBe(700_000_000);
      expect(f.mau.measuredBefore).toBe(x.date);
      expect(f.mau.clause.section).toBe("§2");
      expect(f.improveOtherLlms.allowed).toBe(x.improve);
      expect(f.improveOtherLlms.clause.section).toBe(x.improve ? "§1.b.i" : "§1.b.v");
      expect(f.naming?.prefix ?? null).toBe(x.naming);
      expect(f.attribution?.text ?? null).toBe(x.display);
      expect(f.euMultimodal !== null).toBe(x.eu);
      expect(f.aupUrl).toBe(x.aup);
      expect(f.notice.text).toBe(x.notice);
      expect(f.notice.clause.section).toBe("§1.b.iii");
      expect(f.aup.clause.section).toBe("§1.b.iv");
      // No invented hashes: only real LICENSE files downloaded from Meta may fill this.
      expect(f.licenseTextSha256).toEqual([]);
      const rules = [
        f.grant,
        f.mau,
        f.shipAgreement,
        f.notice,
        f.attribution,
        f.naming,
        f.improveOtherLlms,
        f.euMultimodal,
        f.aup,
        f.contractingParty,
        f.endUserProducts,
        f.trademark,
      ].filter((r): r is Rule => r !== null);
      for (const r of rules) {
        expect(r.clause.section, r.clause.title).toMatch(/\S/);
        expect(r.summary.length).toBeGreaterThan(20);
        expect(r.quote.length).toBeGreaterThan(20);
      }
    });
  }

  it("the EU clause lives in the AUP and exempts end users", () => {
    const eu = LICENSE_FAMILIES["llama3.2"].euMultimodal!;
    expect(eu.clause.document).toBe("aup");
    expect(eu.endUserExempt).toBe(true);
    expect(eu.quote).toContain(
      "This restriction does not apply to end users of a product or service that incorporates any such multimodal models.",
    );
  });
});
