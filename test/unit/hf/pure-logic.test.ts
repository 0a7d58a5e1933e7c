import { describe, expect, it } from "vitest";
import { parseRepoId } from "../../../src/sources/hf/parse-repo-id.js";
import { checkRepoPath } from "../../../src/sources/hf/check-repo-path.js";
import { globToRegExp, selectFiles } from "../../../src/sources/hf/select-files.js";
import { assertRevision } from "../../../src/sources/hf/resolve-revision.js";
import { hubUrls } from "../../../src/sources/hf/hub-urls.js";
import type { RepoFile } from "../../../src/sources/hf/list-repo-tree.js";

describe("parseRepoId", () => {
  it("accepts org/name and names the cache folder like huggingface_hub", () => {
    expect(parseRepoId("meta-llama/Llama-2-7b-chat-hf")).toEqual({
      id: "meta-llama/Llama-2-7b-chat-hf",
      cacheFolder: "models--meta-llama--Llama-2-7b-chat-hf",
    });
    expect(parseRepoId("gpt2").cacheFolder).toBe("models--gpt2");
  });
  it.each([
    "",
    "a/b/c",
    "../etc",
    "org/..",
    "org/na--me",
    "org/name.git",
    "org/ name",
    "/abs",
    "org/",
    "org\\name",
    "org/name?x=1",
    "-org/name",
  ])("refuses %j with a usage error", (id) => {
    expect(() => parseRepoId(id)).toThrowError(
      expect.objectContaining({ code: "HF_INVALID_REPO_ID", category: "usage" }),
    );
  });
});

describe("checkRepoPath", () => {
  it("accepts plain relative paths", () => {
    expect(checkRepoPath("original/consolidated.00.pth")).toBe("original/consolidated.00.pth");
    expect(checkRepoPath(".gitattributes")).toBe(".gitattributes");
  });
  it.each(["../evil", "a/../../evil", "/etc/passwd", "a\\..\\b", "C:/x", "a//b", "./a", "a/.", "", "a\u0000b"])(
    "refuses %j",
    (p) => {
      expect(() => checkRepoPath(p)).toThrowError(
        expect.objectContaining({ code: "HF_UNSAFE_PATH", category: "integrity" }),
      );
    },
  );
});

describe("assertRevision", () => {
  it.each(["", "a/../b", "x\ny"])("refuses %j", (r) =>
    expect(() => assertRevision(r)).toThrowError(expect.objectContaining({ category: "usage" })),
  );
  it("accepts branches with slashes and tags", () => {
    expect(() => assertRevision("refs/pr/1")).not.toThrow();
    expect(() => assertRevision("v1.0")).not.toThrow();
  });
});

describe("hubUrls", () => {
  it("encodes the revision with no safe characters and keeps path separators", () => {
    expect(hubUrls.resolve("https://hf.example/", "org/m", "refs/pr/1", "sub dir/a#b.json")).toBe(
      "https://hf.example/org/m/resolve/refs%2Fpr%2F1/sub%20dir/a%23b.json",
    );
    expect(hubUrls.modelInfo("https://hf.example", "org/m", "v1.0")).toBe(
      "https://hf.example/api/models/org/m/revision/v1.0",
    );
  });
});

describe("globs (fnmatch semantics)", () => {
  it("'*' crosses folders, '?' is one char, classes work, a trailing '/' means the folder", () => {
    expect(globToRegExp("*.json").test("original/params.json")).toBe(true);
    expect(globToRegExp("model-0000?-of-00002.safetensors").test("model-00001-of-00002.safetensors")).toBe(true);
    expect(globToRegExp("[!o]*.json").test("original/params.json")).toBe(false);
    expect(globToRegExp("original/").test("original/consolidated.00.pth")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });
});

describe("selectFiles", () => {
  const f = (path: string): RepoFile => ({ path, size: 1, oid: "0".repeat(40) });
  const repo = [
    "config.json",
    "model-00001-of-00002.safetensors",
    "model-00002-of-00002.safetensors",
    "model.safetensors.index.json",
    "pytorch_model-00001-of-00002.bin",
    "pytorch_model.bin.index.json",
    "original/consolidated.00.pth",
    "original/params.json",
    "README.md",
  ].map(f);

  it("Llama defaults skip original/ and .bin duplicates of safetensors", () => {
    const r = selectFiles({ files: repo });
    expect(r.selected.map((x) => x.path)).toEqual([
      "config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
      "README.md",
    ]);
    expect(r.skippedByDefault).toEqual([
      { path: "pytorch_model-00001-of-00002.bin", reason: "duplicate-bin" },
      { path: "pytorch_model.bin.index.json", reason: "duplicate-bin" },
      { path: "original/consolidated.00.pth", reason: "meta-original" },
      { path: "original/params.json", reason: "meta-original" },
    ]);
  });
  it("keeps .bin files when the repo has no safetensors", () => {
    const r = selectFiles({ files: [f("config.json"), f("pytorch_model.bin")] });
    expect(r.selected.map((x) => x.path)).toEqual(["config.json", "pytorch_model.bin"]);
  });
  it("--include turns the defaults off; --exclude applies after include", () => {
    const r = selectFiles({ files: repo, include: ["original/*", "*.json"], exclude: ["*.index.json"] });
    expect(r.selected.map((x) => x.path)).toEqual([
      "config.json",
      "original/consolidated.00.pth",
      "original/params.json",
    ]);
    expect(r.skippedByDefault).toEqual([]);
  });
});
