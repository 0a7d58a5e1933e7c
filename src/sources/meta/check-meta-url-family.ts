import type { MetaLayout } from "../../catalog/models.js";
import { META_DOWNLOAD_FORM, MetaUrlInvalidError } from "./errors.js";
import type { MetaSignedUrl } from "./parse-meta-url.js";

export interface CheckMetaUrlFamilyParams {
  signedUrl: Pick<MetaSignedUrl, "host">;
  /** Layout of the models asked for. */
  layout: MetaLayout;
}

/** Hosts Meta uses for Llama 3 and later; their links are refused (403) for Llama 2 / Code Llama files. */
const NEWER_FAMILY_HOST = /^(llama\d[\w-]*)\.llamameta\.net$/i;

/**
 * Refuse, before any request, a link issued for another model family: each refused request would still
 * count against the link's few download attempts. Only hosts known to belong to newer families are refused.
 */
export function checkMetaUrlFamily({ signedUrl, layout }: CheckMetaUrlFamilyParams): void {
  // Llama 3 and later: which of Meta's hosts serves which release is not known; refuse nothing.
  if (layout !== "llama2" && layout !== "codellama") return;
  const m = NEWER_FAMILY_HOST.exec(signedUrl.host);
  if (!m) return;
  const family = layout === "codellama" ? "Code Llama" : "Llama 2";
  throw new MetaUrlInvalidError(
    `This link (${signedUrl.host}) was issued for a newer Llama family, not ${family}; Meta refuses it for ${family} files.`,
    { hint: `Request a ${family} link at ${META_DOWNLOAD_FORM} (it comes from download.llamameta.net).` },
  );
}
