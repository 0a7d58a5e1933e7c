import { describe, expect, it } from "vitest";
import { findModel } from "../../../src/catalog/find-model.js";
import { buildMetaPlan } from "../../../src/sources/meta/build-meta-plan.js";

const m = (name: string) => findModel({ name });
const paths = (names: string[]) => buildMetaPlan({ models: names.map(m), dir: "/d" }).files.map((f) => f.path);

describe("buildMetaPlan: Llama 2 (download.sh of meta-llama/llama)", () => {
  it("7B: top-level license, policy and tokenizer, then one shard", () => {
    expect(paths(["llama-2-7b"])).toEqual([
      "LICENSE",
      "USE_POLICY.md",
      "tokenizer.model",
      "tokenizer_checklist.chk",
      "llama-2-7b/consolidated.00.pth",
      "llama-2-7b/params.json",
      "llama-2-7b/checklist.chk",
    ]);
  });
  it("13B-chat has 2 shards and 70B has 8 (00..07); the tokenizer is fetched once", () => {
    const p = paths(["13B-chat", "llama-2-70b"]);
    expect(p.filter((x) => x.startsWith("llama-2-13b-chat/consolidated"))).toEqual([
      "llama-2-13b-chat/consolidated.00.pth",
      "llama-2-13b-chat/consolidated.01.pth",
    ]);
    expect(p.filter((x) => x.startsWith("llama-2-70b/consolidated"))).toHaveLength(8);
    expect(p).toContain("llama-2-70b/consolidated.07.pth");
    expect(p.filter((x) => x === "tokenizer.model")).toHaveLength(1);
    expect(p).toHaveLength(4 + 2 + 2 + 8 + 2);
  });
  it("links each file to the checklist that holds its md5 and lists checklists", () => {
    const plan = buildMetaPlan({ models: [m("llama-2-7b")], dir: "/d" });
    const by = Object.fromEntries(plan.files.map((f) => [f.path, f]));
    expect(by["tokenizer.model"]!.checklist).toBe("tokenizer_checklist.chk");
    expect(by["llama-2-7b/consolidated.00.pth"]!.checklist).toBe("llama-2-7b/checklist.chk");
    expect(by["llama-2-7b/params.json"]!.checklist).toBe("llama-2-7b/checklist.chk");
    expect(by["LICENSE"]!.checklist).toBeUndefined();
    expect(by["llama-2-7b/consolidated.00.pth"]!.destPath).toBe("/d/llama-2-7b/consolidated.00.pth");
    expect(plan.checklists).toEqual([
      { path: "tokenizer_checklist.chk", destPath: "/d/tokenizer_checklist.chk", folder: "" },
      { path: "llama-2-7b/checklist.chk", destPath: "/d/llama-2-7b/checklist.chk", folder: "llama-2-7b" },
    ]);
  });
  it("fetches a model named twice only once", () => {
    expect(paths(["llama-2-7b", "7B", "meta-llama/Llama-2-7b-hf"])).toHaveLength(7);
  });
});

describe("buildMetaPlan: Code Llama (download.sh of meta-llama/codellama)", () => {
  it("no top-level tokenizer; tokenizer.model inside the model folder, before checklist.chk", () => {
    expect(paths(["codellama-7b-python"])).toEqual([
      "LICENSE",
      "USE_POLICY.md",
      "CodeLlama-7b-Python/consolidated.00.pth",
      "CodeLlama-7b-Python/params.json",
      "CodeLlama-7b-Python/tokenizer.model",
      "CodeLlama-7b-Python/checklist.chk",
    ]);
  });
  it.each([
    ["codellama-13b-instruct", 2],
    ["CodeLlama-34b", 4],
    ["codellama-70b-python", 8],
  ])("%s has %i shards", (name, shards) => {
    const plan = buildMetaPlan({ models: [m(name)], dir: "/d" });
    expect(plan.files.filter((f) => f.kind === "weights")).toHaveLength(shards);
    expect(plan.checklists).toHaveLength(1);
    expect(plan.files.find((f) => f.kind === "tokenizer")!.checklist).toBe(plan.checklists[0]!.path);
  });
});

describe("buildMetaPlan: bad input", () => {
  it("refuses to mix families (each has its own link)", () => {
    expect(() => buildMetaPlan({ models: [m("llama-2-7b"), m("codellama-7b")], dir: "/d" })).toThrow(
      /mix model families/,
    );
  });
  it("refuses an empty list", () => {
    expect(() => buildMetaPlan({ models: [], dir: "/d" })).toThrow(/No model/);
  });
});

describe("findModel (catalog lookup used by download)", () => {
  it("names the nearest models for a typo", () => {
    let err: unknown;
    try {
      findModel({ name: "llama-2-7b-caht" });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ category: "usage", code: "UNKNOWN_MODEL" });
    expect((err as Error).message).toMatch(/Did you mean: llama-2-7b-chat/);
  });
});

describe("buildMetaPlan: Llama 3.x", () => {
  const plan = (names: string[], localLayout?: "meta" | "llama-stack") =>
    buildMetaPlan({ models: names.map(m), dir: "/d", ...(localLayout ? { localLayout } : {}) }).files.map((f) => [
      f.path,
      f.remotePath,
    ]);

  it("Llama 3.0: LICENSE and USE_POLICY at the top, remote 8b_instruction_tuned saved as Meta-Llama-3-8B-Instruct", () => {
    expect(plan(["llama-3-8b-instruct"])).toEqual([
      ["LICENSE", "LICENSE"],
      ["USE_POLICY", "USE_POLICY"],
      ["Meta-Llama-3-8B-Instruct/consolidated.00.pth", "8b_instruction_tuned/consolidated.00.pth"],
      ["Meta-Llama-3-8B-Instruct/params.json", "8b_instruction_tuned/params.json"],
      ["Meta-Llama-3-8B-Instruct/tokenizer.model", "8b_instruction_tuned/tokenizer.model"],
      ["Meta-Llama-3-8B-Instruct/checklist.chk", "8b_instruction_tuned/checklist.chk"],
    ]);
  });

  it("Llama 3.1: llama-stack's file list per model, nothing at the top level", () => {
    expect(plan(["llama-3.1-8b-instruct"]).map(([p]) => p)).toEqual([
      "Llama-3.1-8B-Instruct/checklist.chk",
      "Llama-3.1-8B-Instruct/tokenizer.model",
      "Llama-3.1-8B-Instruct/params.json",
      "Llama-3.1-8B-Instruct/consolidated.00.pth",
    ]);
    const p405 = plan(["llama-3.1-405b-instruct"]).map(([p]) => p!);
    expect(p405.filter((x) => /fp8_scales_\d\.pt$/.test(x))).toHaveLength(8);
    expect(p405.filter((x) => /consolidated\.\d\d\.pth$/.test(x))).toHaveLength(8);
    expect(plan(["llama-3.1-405b-mp16"]).filter(([p]) => p!.includes("consolidated"))).toHaveLength(16);
    expect(plan(["llama-3.1-405b-mp16"])[0]).toEqual([
      "Llama-3.1-405B-MP16/checklist.chk",
      "Llama-3.1-405B-MP16/checklist.chk",
    ]);
  });

  it("--layout llama-stack: one folder per descriptor (':' → '-'), fetched from Meta's folder", () => {
    expect(plan(["llama-3.1-405b-instruct-mp8"], "llama-stack")[0]).toEqual([
      "Llama3.1-405B-Instruct-bf16-mp8/checklist.chk",
      "Llama-3.1-405B-Instruct-MP8/checklist.chk",
    ]);
    expect(() => plan(["llama-3-8b"], "llama-stack")).toThrow(/no llama-stack descriptor/);
  });

  it("every file is checked against its model's checklist", () => {
    const p = buildMetaPlan({ models: [m("llama-3.2-1b")], dir: "/d" });
    expect(p.checklists).toEqual([
      { path: "Llama-3.2-1B/checklist.chk", destPath: "/d/Llama-3.2-1B/checklist.chk", folder: "Llama-3.2-1B" },
    ]);
    expect(
      p.files.filter((f) => f.kind !== "checklist").every((f) => f.checklist === "Llama-3.2-1B/checklist.chk"),
    ).toBe(true);
  });
});
