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
  it.each(EXPECTED)("%s -> %s (%s, multimodal %s), with a Meta layout", (name, hfRepo, license, multimodal) => {
    const m = findModel({ name });
    expect(m).toMatchObject({ name, hfRepo, license, multimodal });
    expect(m.meta?.layout).toBe(name.startsWith("llama-3-") ? "llama3" : "llama-models");
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
      for (const k of new Set(
        [m.name, ...(m.variantOf ? [] : [m.hfRepo]), ...(m.meta ? [m.meta.folder] : []), ...m.aliases].map((x) =>
          x.toLowerCase(),
        ),
      )) {
        expect(owner.get(k) ?? m.name, k).toBe(m.name);
        owner.set(k, m.name);
      }
      expect(m.released).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  // Hand-written from llama3-formats.md §1 (download.sh of meta-llama/llama3, llama-stack's sku_list.py).
  it.each([
    ["llama-3-8b", "Meta-Llama-3-8B", "8b_pre_trained", 1, undefined, undefined],
    ["llama-3-70b-instruct", "Meta-Llama-3-70B-Instruct", "70b_instruction_tuned", 8, undefined, undefined],
    ["llama-3.1-8b-instruct", "Llama-3.1-8B-Instruct", undefined, 1, "Llama3.1-8B-Instruct", undefined],
    ["llama-3.1-70b", "Llama-3.1-70B", undefined, 8, "Llama3.1-70B", undefined],
    ["llama-3.1-405b-instruct", "Llama-3.1-405B-Instruct", undefined, 8, "Llama3.1-405B-Instruct", 60_903_742_309],
    [
      "llama-3.1-405b-instruct-mp8",
      "Llama-3.1-405B-Instruct-MP8",
      undefined,
      8,
      "Llama3.1-405B-Instruct:bf16-mp8",
      101_470_976_045,
    ],
    ["llama-3.1-405b-mp16", "Llama-3.1-405B-MP16", undefined, 16, "Llama3.1-405B:bf16-mp16", 51_268_302_389],
    ["llama-3.2-1b", "Llama-3.2-1B", undefined, 1, "Llama3.2-1B", undefined],
    [
      "llama-3.2-11b-vision-instruct",
      "Llama-3.2-11B-Vision-Instruct",
      undefined,
      1,
      "Llama3.2-11B-Vision-Instruct",
      undefined,
    ],
    ["llama-3.2-90b-vision", "Llama-3.2-90B-Vision", undefined, 8, "Llama3.2-90B-Vision", undefined],
    ["llama-3.3-70b-instruct", "Llama-3.3-70B-Instruct", undefined, 8, "Llama3.3-70B-Instruct", undefined],
    [
      "llama-4-scout-17b-16e-instruct",
      "Llama-4-Scout-17B-16E-Instruct",
      undefined,
      8,
      "Llama-4-Scout-17B-16E-Instruct",
      undefined,
    ],
    [
      "llama-4-maverick-17b-128e",
      "Llama-4-Maverick-17B-128E",
      undefined,
      8,
      "Llama-4-Maverick-17B-128E",
      100_458_118_386,
    ],
  ] as const)(
    "%s: Meta folder %s (remote %s), %i shards, descriptor %s, shard bytes %s",
    (name, folder, remote, shards, descriptor, bytes) => {
      const m = findModel({ name }).meta!;
      expect(m.folder).toBe(folder);
      expect(m.remoteFolder).toBe(remote);
      expect(m.shards).toBe(shards);
      expect(m.descriptor).toBe(descriptor);
      expect(m.shardBytes).toBe(bytes);
      if (bytes) expect(m.weightBytes).toBe(bytes * shards);
    },
  );

  it("405B fp8 downloads carry 8 fp8_scales files; names users type resolve", () => {
    expect(findModel({ name: "llama-3.1-405b" }).meta!.fp8Scales).toBe(8);
    expect(findModel({ name: "llama-3.1-405b-mp8" }).meta!.fp8Scales).toBeUndefined();
    for (const typed of [
      "llama-3.1-8b-instruct",
      "Llama3.1-8B-Instruct",
      "meta-llama/Llama-3.1-8B-Instruct",
      "Llama-3.1-8B-Instruct",
    ]) {
      expect(findModel({ name: typed }).name).toBe("llama-3.1-8b-instruct");
    }
    expect(findModel({ name: "Llama3.1-405B-Instruct:bf16-mp16" }).name).toBe("llama-3.1-405b-instruct-mp16");
    expect(findModel({ name: "meta-llama/Llama-3.1-405B-Instruct" }).name).toBe("llama-3.1-405b-instruct");
  });
});
