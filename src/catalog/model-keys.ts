import type { CatalogModel } from "./models.js";

/** Every name a model is found by, lower-cased: canonical name, HF repo id (not for variants), Meta folder, aliases. */
export function modelKeys(m: CatalogModel): string[] {
  return [m.name, ...(m.variantOf ? [] : [m.hfRepo]), ...(m.meta ? [m.meta.folder] : []), ...m.aliases].map((k) =>
    k.toLowerCase(),
  );
}
