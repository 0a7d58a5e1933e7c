import type { CatalogModel, LicenseFamilyId } from "../catalog/models.js";
import { LICENSE_FAMILIES } from "../license/families.js";
import { recognizeLicenseText } from "../license/recognize-license-text.js";
import type { ModelConfigSummary } from "../sources/oci/parse-model-config.js";
import { tryFindModel } from "../catalog/try-find-model.js";

export interface OciLicenseSelection {
  /** The models to run the license gate for (none: no Llama license applies). */
  models: CatalogModel[];
  /** What the user should know about the choice (a LICENSE text that disagrees with the config, none found). */
  notes: string[];
}

/**
 * The one license-gate selection for an OCI artifact (pull and provision): the model by the config's
 * catalog name, else a model of the license family the config declares, and also the family of the LICENSE
 * file that travels with it when that text is a Llama license the config does not declare (Llama weights
 * labelled Apache-2.0 still get the Llama gate).
 */
export function selectOciLicenseModels(p: {
  /** The reference, for names and notes. */
  ref: string;
  config: ModelConfigSummary;
  /** The artifact's LICENSE file text, when it has one. */
  licenseText?: string;
}): OciLicenseSelection {
  const notes: string[] = [];
  const models: CatalogModel[] = [];
  const primary = byName(p.config) ?? ofFamily(p.config.licenseFamily, p.config, p.ref);
  if (primary) models.push(primary);
  const fromText = p.licenseText !== undefined ? recognizeLicenseText(p.licenseText) : undefined;
  if (fromText && fromText !== primary?.license) {
    models.push(ofFamily(fromText, p.config, p.ref)!);
    notes.push(
      `its LICENSE file is the ${LICENSE_FAMILIES[fromText].name}, which the config ${primary ? `does not declare (it says ${LICENSE_FAMILIES[primary.license].name})` : `does not declare (${p.config.licenses.join(", ") || "no license"})`}: that license is checked too.`,
    );
  }
  if (models.length === 0)
    notes.push(
      `${p.ref} declares no Llama license llamagate knows (${p.config.licenses.join(", ") || "no license"}), so no Llama license check applies; read its license yourself.`,
    );
  return { models, notes };
}

function byName(config: ModelConfigSummary): CatalogModel | undefined {
  for (const name of [config.catalogName, config.name]) {
    const model = name ? tryFindModel({ name }) : undefined;
    if (model) return model;
  }
  return undefined;
}

function ofFamily(family: string | undefined, config: ModelConfigSummary, ref: string): CatalogModel | undefined {
  if (!family || !Object.hasOwn(LICENSE_FAMILIES, family)) return undefined;
  const fam = LICENSE_FAMILIES[family as LicenseFamilyId];
  // Unknown model under a known license: assume multimodal where the family has the EU clause (the stricter reading).
  return {
    name: config.name ?? ref,
    aliases: [],
    title: config.name ?? ref,
    series: fam.name,
    size: config.paramSize ?? "?",
    license: family as LicenseFamilyId,
    multimodal: Boolean(fam.euMultimodal),
    released: "1970-01-01",
    hfRepo: "",
  };
}
