import { resolve } from "node:path";
import type { MetaPlan } from "./build-meta-plan.js";
import { checkMetaLink } from "./check-meta-link.js";
import type { DownloadMetaParams } from "./download-meta.js";
import type { MetaSignedUrl } from "./parse-meta-url.js";

/** What the Meta source's check found: the parsed link and download.sh's plan for the destination. */
export interface MetaDownloadCheck {
  params: DownloadMetaParams;
  /** The clock the run uses (expiry checks, error messages). */
  now: () => Date;
  /** The absolute destination folder. */
  dir: string;
  signedUrl: MetaSignedUrl;
  plan: MetaPlan;
}

/**
 * The Meta source's check, without a request: the link parses, has not expired and is for the family of the models
 * asked for (checkMetaLink). Throws the link's own errors.
 */
export function checkMetaDownload(params: DownloadMetaParams): MetaDownloadCheck {
  const now = params.now ?? (() => new Date());
  const dir = resolve(params.dir);
  const { signedUrl, plan } = checkMetaLink({
    url: params.url,
    models: params.models,
    dir,
    now: now(),
    ...(params.localLayout ? { localLayout: params.localLayout } : {}),
  });
  return { params, now, dir, signedUrl, plan };
}
