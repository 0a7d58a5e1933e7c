import type { HfSource } from "./hf/hf-source.js";
import type { MetaSource } from "./meta/meta-source.js";

/** The sources the pipeline runs, by kind (OCI pulls and bundles are run by src/fleet, above the pipeline). */
export interface PipelineSources {
  meta: MetaSource;
  hf: HfSource;
}

/**
 * The source of a kind, its code loaded when first asked for (as the pipeline loads its stages): the library's
 * static import graph does not grow, and a Hub download never loads the Meta source or the other way round.
 */
export async function sourceFor<K extends keyof PipelineSources>(kind: K): Promise<PipelineSources[K]> {
  const load: { [k in keyof PipelineSources]: () => Promise<PipelineSources[k]> } = {
    meta: async () => (await import("./meta/meta-source.js")).metaSource,
    hf: async () => (await import("./hf/hf-source.js")).hfSource,
  };
  return load[kind]();
}
