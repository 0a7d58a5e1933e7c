/**
 * The Llama license families as data: one entry per Community License Agreement. Section numbers and
 * quotes follow the LICENSE and USE_POLICY.md texts in meta-llama/llama (Llama 2) and
 * meta-llama/llama-models (Llama 3 and later). Code Llama ships under the Llama 2 agreement.
 *
 * `licenseTextSha256` is deliberately empty: no byte-exact copy of the LICENSE files as Meta ships
 * them with the weights was available when this was written, and an invented hash would make every
 * real download look like a different license. Add hashes only from files downloaded from Meta.
 */
import type { LicenseFamily, LicenseFamilyId, Rule } from "./types.js";

const MAU_THRESHOLD = 700_000_000;

const rule = (document: "license" | "aup", section: string, title: string, summary: string, quote: string): Rule => ({
  clause: { document, section, title },
  summary,
  quote,
});

/** Clauses worded the same way in every family (only the version name changes). */
function common(product: string, versionDate: string) {
  return {
    grant: rule(
      "license",
      "§1.a",
      "Grant of Rights",
      "A non-exclusive, worldwide, non-transferable, royalty-free license to use, reproduce, distribute, copy, create derivative works of and modify the materials; commercial use is included, subject to §2 and the other terms.",
      "You are granted a non-exclusive, worldwide, non-transferable and royalty-free limited license under Meta\u2019s intellectual property or other rights owned by Meta embodied in the Llama Materials to use, reproduce, distribute, copy, create derivative works of, and make modifications to the Llama Materials.",
    ),
    mau: {
      ...rule(
        "license",
        "§2",
        "Additional Commercial Terms",
        `If the products or services of the licensee and its affiliates had more than 700 million monthly active users (combined) in the calendar month before the ${product} version release date, a separate license from Meta is required; Meta may grant it at its sole discretion.`,
        `If, on the ${product} version release date, the monthly active users of the products or services made available by or for Licensee, or Licensee's affiliates, is greater than 700 million monthly active users in the preceding calendar month, you must request a license from Meta`,
      ),
      threshold: MAU_THRESHOLD,
      measuredBefore: versionDate,
    },
    endUserProducts: rule(
      "license",
      "§1.b.ii",
      "Integrated end user products",
      "Someone who receives the materials from a licensee as part of an integrated end-user product is not subject to §2 (the MAU terms).",
      "If you receive Llama Materials, or any derivative works thereof, from a Licensee as part of an integrated end user product, then Section 2 of this Agreement will not apply to you.",
    ),
    contractingParty: rule(
      "license",
      "Definitions (\u201cMeta\u201d)",
      "Contracting party",
      "Licensees located in (or with their principal place of business in) the EEA or Switzerland contract with Meta Platforms Ireland Limited; everyone else with Meta Platforms, Inc.",
      "\u201cMeta\u201d or \u201cwe\u201d means Meta Platforms Ireland Limited (if you are located in or, if you are an entity, your principal place of business is in the EEA or Switzerland)",
    ),
  };
}

function aupRule(url: string): Rule {
  return rule(
    "license",
    "§1.b.iv",
    "Acceptable Use Policy",
    `All use must comply with applicable law and the Acceptable Use Policy (${url}), which is part of the agreement.`,
    "Your use of the Llama Materials must comply with applicable laws and regulations (including trade compliance laws and regulations) and adhere to the Acceptable Use Policy for the Llama Materials",
  );
}

function noticeRule(text: string): Rule & { text: string } {
  return {
    ...rule(
      "license",
      "§1.b.iii",
      "Notice file",
      `Every distributed copy of the materials must keep a "Notice" text file containing: ${text}`,
      "You must retain in all copies of the Llama Materials that you distribute the following attribution notice within a \u201cNotice\u201d text file",
    ),
    text,
  };
}

function euRule(product: string): LicenseFamily["euMultimodal"] {
  return {
    ...rule(
      "aup",
      "Acceptable Use Policy: multimodal models, European Union",
      "EU restriction on multimodal models",
      `For multimodal ${product} models, the §1(a) rights are not granted to individuals domiciled in the European Union or companies with their principal place of business there. End users of a product or service that incorporates such a model are not affected.`,
      `With respect to any multimodal models included in ${product}, the rights granted under Section 1(a) of the ${product} Community License Agreement are not being granted to you if you are an individual domiciled in, or a company with a principal place of business in, the European Union. This restriction does not apply to end users of a product or service that incorporates any such multimodal models.`,
    ),
    endUserExempt: true,
  };
}

/** Llama 3.1, 3.2, 3.3 and 4 share one structure: "Built with Llama", names begin with "Llama", no §1.b.v. */
function llama31Style(p: {
  id: LicenseFamilyId;
  product: string;
  version: string;
  versionDate: string;
  covers: LicenseFamily["covers"];
  aupUrl: string;
  euMultimodal: boolean;
}): LicenseFamily {
  return {
    id: p.id,
    name: `${p.product} Community License Agreement`,
    version: p.version,
    versionDate: p.versionDate,
    covers: p.covers,
    licenseTextSha256: [],
    aupUrl: p.aupUrl,
    ...common(p.product, p.versionDate),
    shipAgreement: rule(
      "license",
      "§1.b.i",
      "Redistribution",
      "Whoever distributes or makes available the materials, a derivative, or a product or service (including another AI model) containing them must provide a copy of the agreement.",
      "If you distribute or make available the Llama Materials (or any derivative works thereof), or a product or service (including another AI model) that contains any of them, you shall (A) provide a copy of this Agreement with any such Llama Materials",
    ),
    notice: noticeRule(
      `${p.product} is licensed under the ${p.product} Community License, Copyright \u00a9 Meta Platforms, Inc. All Rights Reserved.`,
    ),
    attribution: {
      ...rule(
        "license",
        "§1.b.i",
        "Attribution",
        'Whoever distributes or makes available the materials or a product or service containing them must prominently display "Built with Llama" on a related website, user interface, blog post, about page or product documentation.',
        "(B) prominently display \u201cBuilt with Llama\u201d on a related website, user interface, blogpost, about page, or product documentation",
      ),
      text: "Built with Llama",
    },
    naming: {
      ...rule(
        "license",
        "§1.b.i",
        "Naming of derived models",
        'An AI model created, trained, fine-tuned or otherwise improved with the materials or with their outputs, and then distributed or made available, must have a name that begins with "Llama".',
        "If you use the Llama Materials or any outputs or results of the Llama Materials to create, train, fine tune, or otherwise improve an AI model, which is distributed or made available, you shall also include \u201cLlama\u201d at the beginning of any such AI model name.",
      ),
      prefix: "Llama",
      coversOutputs: true,
    },
    improveOtherLlms: {
      ...rule(
        "license",
        "§1.b.i",
        "Improving other models",
        "The agreement has no clause against improving other large language models (the Llama 2 / Llama 3 §1.b.v is gone); models built with the materials or their outputs are subject to the naming rule instead.",
        "If you use the Llama Materials or any outputs or results of the Llama Materials to create, train, fine tune, or otherwise improve an AI model",
      ),
      allowed: true,
    },
    euMultimodal: p.euMultimodal ? euRule(p.product) : null,
    aup: aupRule(p.aupUrl),
    trademark: rule(
      "license",
      "§5.a",
      "Trademarks",
      'No trademark license, except a license to use "Llama" solely to comply with the naming rule of §1.b.i, following Meta\'s brand guidelines.',
      "Meta hereby grants you a license to use \u201cLlama\u201d (the \u201cMark\u201d) solely as required to comply with the last sentence of Section 1.b.i.",
    ),
  };
}

const LLAMA2: LicenseFamily = {
  id: "llama2",
  name: "Llama 2 Community License Agreement",
  version: "2",
  versionDate: "2023-07-18",
  covers: [
    { name: "Llama 2", released: "2023-07-18" },
    { name: "Code Llama 7B/13B/34B", released: "2023-08-24" },
    { name: "Code Llama 70B", released: "2024-01-29" },
  ],
  licenseTextSha256: [],
  aupUrl: "https://ai.meta.com/llama/use-policy",
  ...common("Llama 2", "2023-07-18"),
  shipAgreement: rule(
    "license",
    "§1.b.i",
    "Redistribution",
    "Whoever distributes or makes available the materials or a derivative to a third party must provide a copy of the agreement to that third party.",
    "If you distribute or make available the Llama Materials (or any derivative works thereof) to a third party, you shall provide a copy of this Agreement to such third party.",
  ),
  notice: noticeRule(
    "Llama 2 is licensed under the LLAMA 2 Community License, Copyright (c) Meta Platforms, Inc. All Rights Reserved.",
  ),
  attribution: null,
  naming: null,
  improveOtherLlms: {
    ...rule(
      "license",
      "§1.b.v",
      "No improving other large language models",
      "The materials and their outputs must not be used to improve any other large language model; Llama 2 and its derivative works are the only exception.",
      "You will not use the Llama Materials or any output or results of the Llama Materials to improve any other large language model (excluding Llama 2 or derivative works thereof).",
    ),
    allowed: false,
  },
  euMultimodal: null,
  aup: aupRule("https://ai.meta.com/llama/use-policy"),
  trademark: rule(
    "license",
    "§5.a",
    "Trademarks",
    "No trademark license is granted; names and marks may be used only as reasonable and customary to describe and redistribute the materials.",
    "No trademark licenses are granted under this Agreement",
  ),
};

const LLAMA3: LicenseFamily = {
  ...llama31Style({
    id: "llama3",
    product: "Meta Llama 3",
    version: "3",
    versionDate: "2024-04-18",
    covers: [{ name: "Meta Llama 3", released: "2024-04-18" }],
    aupUrl: "https://llama.meta.com/llama3/use-policy",
    euMultimodal: false,
  }),
  attribution: {
    ...rule(
      "license",
      "§1.b.i",
      "Attribution",
      'Whoever distributes or makes available the materials or a derivative must prominently display "Built with Meta Llama 3" on a related website, user interface, blog post, about page or product documentation.',
      "prominently display \u201cBuilt with Meta Llama 3\u201d on a related website, user interface, blogpost, about page, or product documentation",
    ),
    text: "Built with Meta Llama 3",
  },
  shipAgreement: rule(
    "license",
    "§1.b.i",
    "Redistribution",
    "Whoever distributes or makes available the materials or a derivative (or a product or service using them) must provide a copy of the agreement.",
    "If you distribute or make available the Llama Materials (or any derivative works thereof), or a product or service that uses any of them, including another AI model, you shall (A) provide a copy of this Agreement with any such Llama Materials",
  ),
  naming: {
    ...rule(
      "license",
      "§1.b.i",
      "Naming of derived models",
      'An AI model created, trained, fine-tuned or otherwise improved with the materials, and then distributed or made available, must have a name that begins with "Llama 3". (Unlike 3.1 and later, the rule names the materials, not their outputs.)',
      "If you use the Llama Materials to create, train, fine tune, or otherwise improve an AI model, which is distributed or made available, you shall also include \u201cLlama 3\u201d at the beginning of any such AI model name.",
    ),
    prefix: "Llama 3",
    coversOutputs: false,
  },
  improveOtherLlms: {
    ...rule(
      "license",
      "§1.b.v",
      "No improving other large language models",
      "The materials and their outputs must not be used to improve any other large language model; Meta Llama 3 and its derivative works are the only exception.",
      "You will not use the Llama Materials or any output or results of the Llama Materials to improve any other large language model (excluding Meta Llama 3 or derivative works thereof).",
    ),
    allowed: false,
  },
  trademark: rule(
    "license",
    "§5.a",
    "Trademarks",
    'No trademark license, except a license to use "Llama 3" solely to comply with the naming rule of §1.b.i.',
    "Meta hereby grants you a license to use \u201cLlama 3\u201d (the \u201cMark\u201d) solely as required to comply with the last sentence of Section 1.b.i.",
  ),
};

/** Every family, keyed by id. */
export const LICENSE_FAMILIES: Readonly<Record<LicenseFamilyId, LicenseFamily>> = {
  llama2: LLAMA2,
  llama3: LLAMA3,
  "llama3.1": llama31Style({
    id: "llama3.1",
    product: "Llama 3.1",
    version: "3.1",
    versionDate: "2024-07-23",
    covers: [{ name: "Llama 3.1", released: "2024-07-23" }],
    aupUrl: "https://llama.meta.com/llama3_1/use-policy",
    euMultimodal: false,
  }),
  "llama3.2": llama31Style({
    id: "llama3.2",
    product: "Llama 3.2",
    version: "3.2",
    versionDate: "2024-09-25",
    covers: [{ name: "Llama 3.2 (1B, 3B, 11B Vision, 90B Vision)", released: "2024-09-25" }],
    aupUrl: "https://www.llama.com/llama3_2/use-policy",
    euMultimodal: true,
  }),
  "llama3.3": llama31Style({
    id: "llama3.3",
    product: "Llama 3.3",
    version: "3.3",
    versionDate: "2024-12-06",
    covers: [{ name: "Llama 3.3 70B", released: "2024-12-06" }],
    aupUrl: "https://www.llama.com/llama3_3/use-policy",
    // The 3.3 AUP carries the EU multimodal sentence although Llama 3.3 itself is text-only.
    euMultimodal: true,
  }),
  llama4: llama31Style({
    id: "llama4",
    product: "Llama 4",
    version: "4",
    // The header says "Version Effective Date"; §2 still measures on the "Llama 4 version release date".
    versionDate: "2025-04-05",
    covers: [{ name: "Llama 4 (Scout, Maverick)", released: "2025-04-05" }],
    aupUrl: "https://www.llama.com/llama4/use-policy",
    euMultimodal: true,
  }),
};
