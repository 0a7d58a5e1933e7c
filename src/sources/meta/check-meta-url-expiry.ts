import { SignedUrlExpiredError } from "./errors.js";
import { formatDuration, formatUtc } from "./format-time.js";
import type { MetaSignedUrl } from "./parse-meta-url.js";

export interface CheckMetaUrlExpiryParams {
  /** The parsed link. */
  signedUrl: Pick<MetaSignedUrl, "expiresAt">;
  /** The current time (injectable for tests). */
  now?: Date;
}

/** Throw SignedUrlExpiredError when the link's policy has expired; returns the milliseconds left otherwise. */
export function checkMetaUrlExpiry({ signedUrl, now = new Date() }: CheckMetaUrlExpiryParams): number {
  const left = signedUrl.expiresAt.getTime() - now.getTime();
  if (left <= 0) {
    throw new SignedUrlExpiredError(
      `The signed URL expired at ${formatUtc(signedUrl.expiresAt)} (${formatDuration(-left)} ago).`,
      { details: { expiresAt: signedUrl.expiresAt.toISOString() } },
    );
  }
  return left;
}
