import { describe, expect, it } from "vitest";
import { findModel, nearestModelNames } from "../../../src/catalog/find-model.js";
import { CATALOG } from "../../../src/catalog/models.js";
import { UsageError } from "../../../src/core/errors.js";

describe("catalog", () => {
  it("has the Llama 2 and Code Llama models with Meta's folder names and shard counts", () => {
    const meta = Object.fromEntries(CATALOG.filter((m) => m.meta).map((m) => [m.meta!.folder, m.meta!.shards]));
    // From download.sh of meta-llama/llama and meta-llama/codellama.
    expect(meta).toMatchObject({
      "llama-2-7b": 1,
      "llama-2-7b-chat": 1,
      "llama-2-13b": 2,
      "llama-2-13b-chat": 2,
      "llama-2-70b": 8,
      "llama-2-70b-chat": 8,
      "CodeLlama-7b": 1,
      "CodeLlama-13b-Python": 2,
      "CodeLlama-34b": 4,
      "CodeLlama-34b-Instruct": 4,
      "CodeLlama-70b-Python": 8,
    });
    expect(CATALOG.filter((m) => m.series === "Code Llama")).toHaveLength(12);
    expect(CATALOG.filter((m) => m.series === "Llama 2")).toHaveLength(6);
  });
  it("links Code Llama to the Llama 2 license", () => {
    expect(findModel({ name: "codellama-34b-python" }).license).toBe("llama2");
  });
  it("finds models by name, alias, folder or HF repo, case-insensitively", () => {
    expect(findModel({ name: "7B-chat" }).name).toBe("llama-2-7b-chat");
    expect(findModel({ name: "Llama-2-70B" }).meta?.shards).toBe(8);
    expect(findModel({ name: "meta-llama/Llama-2-13b-chat-hf" }).name).toBe("llama-2-13b-chat");
    expect(findModel({ name: "CodeLlama-13b-Instruct" }).name).toBe("codellama-13b-instruct");
  });
  it("rejects unknown names with the nearest matches", () => {
    try {
      findModel({ name: "llama-2-7b-caht" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).code).toBe("UNKNOWN_MODEL");
      expect((e as UsageError).message).toContain("llama-2-7b-chat");
    }
    expect(nearestModelNames("codellama-7b-pyton")[0]).toBe("codellama-7b-python");
    expect(nearestModelNames("completely-different-thing-xyz")).toEqual([]);
  });
});
