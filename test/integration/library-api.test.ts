import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

// The package imported by its own name, as a user would: resolved through package.json "exports" to dist/
// (npm test builds first). `npm run check:package` (attw) checks the packed tarball's types.
describe('import "llamagate"', () => {
  it("exposes the operations, the exit-code table and every error class; docs/library.md shows each operation", async () => {
    const api = (await import("llamagate")) as Record<string, unknown>;
    const names = Object.keys(api);
    for (const op of [
      "runPipeline",
      "runPipelineIter",
      "licenseGate",
      "evaluateLicense",
      "downloadMeta",
      "downloadHf",
      "downloadFiles",
      "verifyChecklists",
      "convertCheckpoint",
      "openPth",
      "openSafetensors",
      "openGguf",
      "readSentencePiece",
      "readTiktoken",
      "smokeTest",
      "smokeTestModel",
      "defaultThreads",
      "provisionModels",
      "pushOciIter",
      "pullOciIter",
      "packBundle",
      "unpackBundle",
    ]) {
      expect(typeof api[op], op).toBe("function");
    }
    const { LlamagateError, EXIT_CODES, exitCodeForCategory } = api as {
      LlamagateError: new (...a: never[]) => Error;
      EXIT_CODES: Record<string, number>;
      exitCodeForCategory: (c: string) => number;
    };
    expect(exitCodeForCategory("license")).toBe(EXIT_CODES.license);
    const errors = names.filter((n) => /^[A-Z]\w*Error$/.test(n));
    expect(errors.length).toBeGreaterThan(30);
    for (const n of errors.filter((e) => e !== "LlamagateError")) {
      expect((api[n] as { prototype: unknown }).prototype, n).toBeInstanceOf(LlamagateError);
    }

    const doc = await readFile(new URL("../../docs/library.md", import.meta.url), "utf8");
    const code = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).join("\n");
    const values = names.filter((n) => !errors.includes(n) && typeof api[n] === "function");
    for (const n of values) expect(code, `docs/library.md has no example using ${n}`).toMatch(new RegExp(`\\b${n}\\b`));
  });
});
