import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const DOCS = fileURLToPath(new URL("../../docs/json.md", import.meta.url));

/** The top-level keys docs/json.md lists in the key table under `### <shape>`. */
export function documentedKeys(shape: string): string[] {
  const text = readFileSync(DOCS, "utf8");
  const start = text.indexOf(`\n### ${shape}\n`);
  if (start < 0) throw new Error(`docs/json.md has no "### ${shape}" section`);
  const section = text.slice(start + 1).split(/\n#{2,3} /)[0]!;
  return [...section.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]!);
}

/** A command's --json object has exactly the keys docs/json.md documents for it (`optional` may be absent). */
export function expectDocumentedShape(json: Record<string, unknown>, shape: string, optional: string[] = []): void {
  const keys = documentedKeys(shape);
  expect(keys.length, shape).toBeGreaterThan(1);
  expect(
    Object.keys(json)
      .filter((k) => !optional.includes(k))
      .sort(),
    shape,
  ).toEqual(keys.filter((k) => !optional.includes(k)).sort());
}
