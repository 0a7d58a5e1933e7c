import type { MetaSignedUrl } from "./parse-meta-url.js";

export interface MetaFileUrlParams {
  /** The parsed signed link (its template holds the `*`). */
  signedUrl: Pick<MetaSignedUrl, "template">;
  /** Relative remote path, e.g. "llama-2-7b/consolidated.00.pth". */
  path: string;
}

/**
 * The URL of one file: the first `*` replaced by the path, like download.sh's `${PRESIGNED_URL/'*'/path}`.
 * Each path segment is percent-encoded; the signed query string is kept byte for byte. SECRET result.
 */
export function metaFileUrl({ signedUrl, path }: MetaFileUrlParams): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  const q = signedUrl.template.indexOf("?");
  const base = q < 0 ? signedUrl.template : signedUrl.template.slice(0, q);
  const query = q < 0 ? "" : signedUrl.template.slice(q);
  const star = base.indexOf("*");
  return base.slice(0, star) + encoded + base.slice(star + 1) + query;
}
