/**
 * Issue 16 §4 / issue 17: child processes are real typed modules started with fork, and node-llama-cpp is used
 * through its public exports only, never by deep import of its internals or from code kept in a string.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );

describe("child processes and node-llama-cpp", () => {
  const sources = files(join(ROOT, "src")).map((f) => ({ f: f.slice(ROOT.length), text: readFileSync(f, "utf8") }));

  it("node-llama-cpp is imported by its package name only, and only by *-child.ts entry modules", () => {
    const importers = sources.filter((s) => /from "node-llama-cpp|import\("node-llama-cpp/.test(s.text));
    expect(importers.map((s) => s.f).sort()).toEqual([
      "src/infer/smoke-test/llama-child.ts",
      "src/infer/smoke-test/probe-child.ts",
    ]);
    for (const s of sources) {
      expect(s.text, s.f).not.toMatch(/node-llama-cpp\/|detectAvailableComputeLayers|bindings\/utils/);
    }
  });

  it("no unit test loads node-llama-cpp (tests that run llama.cpp live in test/integration)", () => {
    const units = files(join(ROOT, "test/unit")).map((f) => ({
      f: f.slice(ROOT.length),
      text: readFileSync(f, "utf8"),
    }));
    const loaders = units.filter(
      (s) =>
        s.f !== "test/unit/infer/child-modules.test.ts" && /from "node-llama-cpp|import\("node-llama-cpp/.test(s.text),
    );
    expect(loaders.map((s) => s.f)).toEqual([]);
  });

  it("no program is started from source text (node -e / --input-type)", () => {
    // src/core/worker-exec-argv.ts names the flag only to keep it away from worker threads.
    for (const s of sources.filter((x) => x.f !== "src/core/worker-exec-argv.ts"))
      expect(s.text, s.f).not.toMatch(/--input-type|String\.raw`\s*\n\s*import /);
  });
});
