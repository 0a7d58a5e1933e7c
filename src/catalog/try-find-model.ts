import { findModel } from "./find-model.js";
import type { CatalogModel } from "./models.js";

/**
 * The catalog model named `name`, or undefined when the catalog does not know it. Where the name is the user's
 * explicit choice (`explicit`), an unknown name is their mistake and throws findModel's error with suggestions.
 */
export function tryFindModel(params: { name: string; explicit?: boolean }): CatalogModel | undefined {
  try {
    return findModel({ name: params.name });
  } catch (e) {
    if (params.explicit) throw e;
    return undefined;
  }
}
