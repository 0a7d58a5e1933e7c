/**
 * Redaction of secrets. Signed-URL query strings (CloudFront `Policy`, `Signature`, `Key-Pair-Id`,
 * `Download-Request-ID`, and any query at all on a signed URL) and Hugging Face tokens must never
 * reach output, logs, JSON or error messages. Everything that renders a URL goes through here.
 */

const SECRET_PARAMS =
  /([?&](?:Policy|Signature|Key-Pair-Id|Download-Request-ID|X-Amz-[A-Za-z-]+|token|access_token|sig|se|sp|sv)=)[^&#\s"'<>]*/gi;
const HF_TOKEN = /\bhf_[A-Za-z0-9]{8,}\b/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
/** `scheme://user:pass@host` (a proxy URL with credentials, a registry URL with a login). */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
/** Basic credentials in a header echoed in text. */
const BASIC = /(Basic\s+)[A-Za-z0-9+/=]{6,}/gi;

/** Render a URL without its query string (replaced by `?…` when there was one) and without userinfo. */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    const hadQuery = u.search.length > 0;
    u.search = "";
    u.username = "";
    u.password = "";
    return u.toString() + (hadQuery ? "?…" : "");
  } catch {
    return redactText(String(url));
  }
}

/** Remove anything that looks like a secret from free text (error messages from libraries, server bodies). */
export function redactText(text: string, extraSecrets: readonly string[] = []): string {
  let out = text
    .replace(SECRET_PARAMS, "$1<redacted>")
    .replace(HF_TOKEN, "hf_<redacted>")
    .replace(BEARER, "$1<redacted>")
    .replace(BASIC, "$1<redacted>")
    .replace(USERINFO, "$1<redacted>@");
  for (const s of extraSecrets) {
    if (s.length >= 4) out = out.split(s).join("<redacted>");
  }
  return out;
}
