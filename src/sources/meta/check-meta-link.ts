import { resolve } from "node:path";
import type { CatalogModel } from "../../catalog/models.js";
import { buildMetaPlan, type MetaPlan } from "./build-meta-plan.js";
import { checkMetaUrlExpiry } from "./check-meta-url-expiry.js";
import { checkMetaUrlFamily } from "./check-meta-url-family.js";
import { parseMetaUrl, type MetaSignedUrl } from "./parse-meta-url.js";

/**
 * Everything that can be said about a Meta link without a request: it parses, it has not expired, and it
 * is for the family of the models asked for. Returns the parsed link and download.sh's plan for `dir`.
 */
export function checkMetaLink(params: {
  /** The signed URL (secret). */
  url: string;
  /** Catalog models to fetch (one family). */
  models: readonly CatalogModel[];
  /** Destination folder. */
  dir: string;
  /** Current time. @default new Date() */
  now?: Date;
  /** Local folder layout (see buildMetaPlan). */
  localLayout?: "meta" | "llama-stack";
}): { signedUrl: MetaSignedUrl; plan: MetaPlan } {
  const signedUrl = parseMetaUrl({ url: params.url });
  checkMetaUrlExpiry({ signedUrl, now: params.now ?? new Date() });
  const plan = buildMetaPlan({
    models: params.models,
    dir: resolve(params.dir),
    ...(params.localLayout ? { localLayout: params.localLayout } : {}),
  });
  checkMetaUrlFamily({ signedUrl, layout: plan.layout });
  return { signedUrl, plan };
}
