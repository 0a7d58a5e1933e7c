import { findModel } from "./find-model.js";
import { modelKeys } from "./model-keys.js";
import { CATALOG, type CatalogModel } from "./models.js";

/**
 * The catalog model named `name`, or undefined when the catalog does not know it. Where the name is the user's
 * explicit choice (`explicit`), an unknown name is their mistake and throws findModel's error with suggestions.
 */
export function tryFindModel(params: { name: string; explicit?: boolean }): CatalogModel | undefined {
  if (params.explicit) return findModel({ name: params.name });
  // No suggestions to compute for a name that is allowed to be unknown (a Hub repo id, a folder name).
  const key = params.name.trim().toLowerCase();
  return CATALOG.find((m) => modelKeys(m).includes(key));
}
