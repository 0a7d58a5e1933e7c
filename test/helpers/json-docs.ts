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

/** Every duration (`seconds`, `*Seconds`) in a --json object, at any depth, with its path. */
function durations(value: unknown, path = "", key = ""): [string, number][] {
  if (typeof value === "number") return key === "seconds" || key.endsWith("Seconds") ? [[path, value]] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => durations(v, `${path}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => durations(v, path ? `${path}.${k}` : k, k));
  return [];
}

/**
 * A command's --json object has exactly the keys docs/json.md documents for it (`optional` may be absent), and its
 * durations are rounded to milliseconds as docs/json.md promises.
 */
export function expectDocumentedShape(json: Record<string, unknown>, shape: string, optional: string[] = []): void {
  for (const [path, s] of durations(json)) expect(Math.round(s * 1000) / 1000, `${shape}: ${path}`).toBe(s);
  const keys = documentedKeys(shape);
  expect(keys.length, shape).toBeGreaterThan(1);
  expect(
    Object.keys(json)
      .filter((k) => !optional.includes(k))
      .sort(),
    shape,
  ).toEqual(keys.filter((k) => !optional.includes(k)).sort());
}
