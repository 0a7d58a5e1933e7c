import { MetaUrlInvalidError } from "./errors.js";
import type { MetaSignedUrl } from "./parse-meta-url.js";

export interface MetaFileUrlParams {
  /** The parsed signed link (its template holds the `*`). */
  signedUrl: Pick<MetaSignedUrl, "template" | "host">;
  /** Relative remote path, e.g. "llama-2-7b/consolidated.00.pth". */
  path: string;
}

/**
 * The URL of one file: the first `*` replaced by the path, like download.sh's `${PRESIGNED_URL/'*'/path}`.
 * Each path segment is percent-encoded; the signed query string is kept byte for byte. SECRET result.
 * The result must keep the validated link's scheme and host (MetaUrlInvalidError otherwise): the signed
 * query never goes anywhere else.
 */
export function metaFileUrl({ signedUrl, path }: MetaFileUrlParams): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  const q = signedUrl.template.indexOf("?");
  const base = q < 0 ? signedUrl.template : signedUrl.template.slice(0, q);
  const query = q < 0 ? "" : signedUrl.template.slice(q);
  const star = base.indexOf("*");
  const url = base.slice(0, star) + encoded + base.slice(star + 1) + query;
  const template = safeUrl(signedUrl.template);
  const built = safeUrl(url);
  if (
    !template ||
    !built ||
    built.protocol !== template.protocol ||
    built.hostname !== signedUrl.host ||
    built.host !== template.host ||
    built.username !== "" ||
    built.password !== ""
  ) {
    throw new MetaUrlInvalidError(
      `The file URL for ${path} does not stay on the signed link's host ${signedUrl.host}; nothing was requested.`,
    );
  }
  return url;
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
