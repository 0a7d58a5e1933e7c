/**
 * The README says node-llama-cpp's install script does not matter to llamagate (npm 11 warns it is not covered by
 * allowScripts), because llamagate loads only the prebuilt llama.cpp binaries of its optional platform packages and
 * never builds llama.cpp. This keeps that statement true: every getLlama() call in src/ says `build: "never"`.
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

describe("llama.cpp comes prebuilt", () => {
  it('every getLlama() call loads prebuilt binaries only (build: "never"), as the README says', () => {
    const calls = files(join(ROOT, "src")).flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(/getLlama\((\{[^}]*\})?/g)].map((m) => ({ f, args: m[1] ?? "" })),
    );
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.args, c.f).toMatch(/build: "never"/);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toMatch(/install script is not covered by `allowScripts`: this does not matter/);
    expect(readme).toContain('getLlama({ build: "never" })');
  });
});
