import { describe, expect, it } from "vitest";
import { findModel } from "../../../src/catalog/find-model.js";
import { CATALOG } from "../../../src/catalog/models.js";

// Hand-written: Hugging Face repo ids of Meta's releases, their license family and modality.
const EXPECTED: [string, string, string, boolean][] = [
  ["llama-3-8b", "meta-llama/Meta-Llama-3-8B", "llama3", false],
  ["llama-3-8b-instruct", "meta-llama/Meta-Llama-3-8B-Instruct", "llama3", false],
  ["llama-3-70b", "meta-llama/Meta-Llama-3-70B", "llama3", false],
  ["llama-3-70b-instruct", "meta-llama/Meta-Llama-3-70B-Instruct", "llama3", false],
  ["llama-3.1-8b", "meta-llama/Llama-3.1-8B", "llama3.1", false],
  ["llama-3.1-8b-instruct", "meta-llama/Llama-3.1-8B-Instruct", "llama3.1", false],
  ["llama-3.1-70b", "meta-llama/Llama-3.1-70B", "llama3.1", false],
  ["llama-3.1-70b-instruct", "meta-llama/Llama-3.1-70B-Instruct", "llama3.1", false],
  ["llama-3.1-405b", "meta-llama/Llama-3.1-405B", "llama3.1", false],
  ["llama-3.1-405b-instruct", "meta-llama/Llama-3.1-405B-Instruct", "llama3.1", false],
  ["llama-3.2-1b", "meta-llama/Llama-3.2-1B", "llama3.2", false],
  ["llama-3.2-1b-instruct", "meta-llama/Llama-3.2-1B-Instruct", "llama3.2", false],
  ["llama-3.2-3b", "meta-llama/Llama-3.2-3B", "llama3.2", false],
  ["llama-3.2-3b-instruct", "meta-llama/Llama-3.2-3B-Instruct", "llama3.2", false],
  ["llama-3.2-11b-vision", "meta-llama/Llama-3.2-11B-Vision", "llama3.2", true],
  ["llama-3.2-11b-vision-instruct", "meta-llama/Llama-3.2-11B-Vision-Instruct", "llama3.2", true],
  ["llama-3.2-90b-vision", "meta-llama/Llama-3.2-90B-Vision", "llama3.2", true],
  ["llama-3.2-90b-vision-instruct", "meta-llama/Llama-3.2-90B-Vision-Instruct", "llama3.2", true],
  ["llama-3.3-70b-instruct", "meta-llama/Llama-3.3-70B-Instruct", "llama3.3", false],
  ["llama-4-scout-17b-16e", "meta-llama/Llama-4-Scout-17B-16E", "llama4", true],
  ["llama-4-scout-17b-16e-instruct", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama4", true],
  ["llama-4-maverick-17b-128e", "meta-llama/Llama-4-Maverick-17B-128E", "llama4", true],
  ["llama-4-maverick-17b-128e-instruct", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "llama4", true],
];

describe("catalog: Llama 3 and later", () => {
  it.each(EXPECTED)("%s -> %s (%s, multimodal %s), no Meta layout yet", (name, hfRepo, license, multimodal) => {
    const m = findModel({ name });
    expect(m).toMatchObject({ name, hfRepo, license, multimodal });
    expect(m.meta).toBeUndefined();
    expect(findModel({ name: hfRepo }).name).toBe(name);
  });

  it("finds old and llama-stack spellings", () => {
    expect(findModel({ name: "meta-llama/Meta-Llama-3.1-8B-Instruct" }).name).toBe("llama-3.1-8b-instruct");
    expect(findModel({ name: "Llama3.2-11B-Vision-Instruct" }).name).toBe("llama-3.2-11b-vision-instruct");
    expect(findModel({ name: "llama-4-scout-instruct" }).name).toBe("llama-4-scout-17b-16e-instruct");
  });

  it("Code Llama stays under the Llama 2 license; Llama 2 models are text-only", () => {
    for (const m of CATALOG.filter((x) => x.series === "Code Llama" || x.series === "Llama 2")) {
      expect(m.license).toBe("llama2");
      expect(m.multimodal).toBe(false);
    }
  });

  it("every name, alias, repo and folder resolves to one model only", () => {
    const owner = new Map<string, string>();
    for (const m of CATALOG) {
      for (const k of new Set([m.name, m.hfRepo, ...(m.meta ? [m.meta.folder] : []), ...m.aliases].map((x) => x.toLowerCase()))) {
        expect(owner.get(k) ?? m.name, k).toBe(m.name);
        owner.set(k, m.name);
      }
      expect(m.released).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
