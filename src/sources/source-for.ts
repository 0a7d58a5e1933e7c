import type { BundleSource } from "./bundle/bundle-source.js";
import type { HfSource } from "./hf/hf-source.js";
import type { MetaSource } from "./meta/meta-source.js";
import type { OciSource } from "./oci/oci-source.js";

/** Every source, by kind (the OCI source's provenance steps come in its parameters: see OciSourceParams). */
export interface SourcesByKind {
  meta: MetaSource;
  hf: HfSource;
  oci: OciSource;
  bundle: BundleSource;
}

/**
 * The source of a kind, its code loaded when first asked for (as the pipeline loads its stages): the library's
 * static import graph does not grow, and a Hub download never loads the Meta source or the other way round.
 */
export async function sourceFor<K extends keyof SourcesByKind>(kind: K): Promise<SourcesByKind[K]> {
  const load: { [k in keyof SourcesByKind]: () => Promise<SourcesByKind[k]> } = {
    meta: async () => (await import("./meta/meta-source.js")).metaSource,
    hf: async () => (await import("./hf/hf-source.js")).hfSource,
    oci: async () => (await import("./oci/oci-source.js")).ociSource,
    bundle: async () => (await import("./bundle/bundle-source.js")).bundleSource,
  };
  return load[kind]();
}
