import { UsageError } from "../core/errors.js";
import { modelKeys } from "./model-keys.js";
import { CATALOG, type CatalogModel } from "./models.js";

export interface FindModelParams {
  /** Name as the user typed it: canonical name, alias, HF repo id, or Meta folder. Case-insensitive. */
  name: string;
  /** Catalog to search; defaults to the built-in one. */
  catalog?: readonly CatalogModel[];
}

/** Look a model up by any of its names; throws a UsageError listing the nearest names when unknown. */
export function findModel({ name, catalog = CATALOG }: FindModelParams): CatalogModel {
  const key = name.trim().toLowerCase();
  const hit = catalog.find((m) => modelKeys(m).includes(key));
  if (hit) return hit;
  const near = nearestModelNames(key, catalog);
  throw new UsageError(`Unknown model "${name}".${near.length ? ` Did you mean: ${near.join(", ")}?` : ""}`, {
    code: "UNKNOWN_MODEL",
    hint: "Run `llamagate models` to list the models llamagate knows.",
    details: { model: name, suggestions: near },
  });
}

/** Up to `limit` catalog names closest to `key` by edit distance (ties keep catalog order). */
export function nearestModelNames(key: string, catalog: readonly CatalogModel[] = CATALOG, limit = 3): string[] {
  const scored = catalog.map((m) => ({
    name: m.name,
    d: Math.min(...modelKeys(m).map((k) => editDistance(key, k))),
  }));
  const maxDistance = Math.max(3, Math.floor(key.length / 2));
  return scored
    .filter((s) => s.d <= maxDistance)
    .sort((a, b) => a.d - b.d)
    .slice(0, limit)
    .map((s) => s.name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
