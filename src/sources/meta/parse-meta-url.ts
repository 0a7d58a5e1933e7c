import { decodeCloudFrontPolicy } from "./decode-cloudfront-policy.js";
import { MetaUrlInvalidError } from "./errors.js";

/** A validated Meta (CloudFront) signed URL. Only `display`, `host` and `expiresAt` may be shown. */
export interface MetaSignedUrl {
  /** The URL with its `*`, as given (whitespace, quotes and `&amp;` cleaned up). SECRET: never print it. */
  template: string;
  /** Safe to show: scheme, host and path, query replaced by `?…`. */
  display: string;
  /** Host name, e.g. "download.llamameta.net". */
  host: string;
  /** When the CloudFront policy stops the link working. */
  expiresAt: Date;
  /** Policy resource pattern, when the policy has one. */
  resource: string | undefined;
  /** Every query value (raw and decoded) and the raw query: pass to redactText as extra secrets. */
  secrets: string[];
}

export interface ParseMetaUrlParams {
  /** The URL as the user pasted it. */
  url: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const WRAPPERS =
  /(^|\.)(facebook\.com|fb\.com|fb\.me|safelinks\.protection\.outlook\.com|urldefense\.com|urldefense\.proofpoint\.com|google\.com|t\.co|mimecast\.com)$/i;
const REQUIRED = ["Policy", "Signature", "Key-Pair-Id"] as const;

/** Parse and validate the signed URL from Meta's email. Throws MetaUrlInvalidError (usage) with a precise reason. */
export function parseMetaUrl({ url }: ParseMetaUrlParams): MetaSignedUrl {
  // The one clean-up of a pasted link, for every command and the library: surrounding quotes or <>, and the
  // `&amp;` a link copied from the email's HTML source carries between its parameters.
  const text = url
    .trim()
    .replace(/^(["'<])(.*)(["'>])$/s, "$2")
    .trim()
    .replace(/&amp;/gi, "&");
  if (text.length === 0) throw new MetaUrlInvalidError("The signed URL is empty.");
  if (/\s/.test(text)) {
    throw new MetaUrlInvalidError(
      "The signed URL contains spaces or line breaks: it was probably wrapped or cut when copied.",
    );
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new MetaUrlInvalidError(
      // No "?Policy=" here: redaction would take the rest of the sentence for its value (and its ")").
      "The signed URL is not a URL (expected https://download.llamameta.net/..., with Policy, Signature and Key-Pair-Id parameters).",
    );
  }
  if (/unsupportedbrowser/i.test(u.pathname) || (WRAPPERS.test(u.hostname) && !LOOPBACK.has(u.hostname))) {
    throw new MetaUrlInvalidError(
      `That is a ${u.hostname} redirect link, not the download link: it was copied with "Copy link address" from the email.`,
    );
  }
  for (const [, value] of u.searchParams) {
    if (/llamameta\.net|Policy=/i.test(value)) {
      throw new MetaUrlInvalidError(
        `That is a ${u.hostname} link wrapping the download link, not the download link itself.`,
      );
    }
  }
  const loopback = LOOPBACK.has(u.hostname);
  if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) {
    throw new MetaUrlInvalidError(`The signed URL must use https (got ${u.protocol.replace(/:$/, "")}://${u.host}).`);
  }
  const q = text.indexOf("?");
  let path = q < 0 ? text : text.slice(0, q);
  const query = q < 0 ? "" : text.slice(q);
  // Some mail clients percent-encode the wildcard; CloudFront would then see a literal "%2A".
  if (!path.includes("*") && /%2a/i.test(path)) path = path.replace(/%2a/i, "*");
  if (!path.includes("*")) {
    throw new MetaUrlInvalidError(
      "The signed URL has no `*` wildcard in its path: it must be the link from the email, not a link to one file.",
    );
  }
  // The `*` is replaced by each file's path: anywhere before the path (user info, host, port) it would
  // move the signed query to another host. Meta's links have no user info either.
  const authorityEnd = path.indexOf("/", path.indexOf("//") + 2);
  if (u.username !== "" || u.password !== "" || authorityEnd < 0 || path.indexOf("*") < authorityEnd) {
    throw new MetaUrlInvalidError(
      "The signed URL has its `*` wildcard (or user info) before the host's path: it is not a link from Meta's email.",
    );
  }
  const missing = REQUIRED.filter((k) => !u.searchParams.get(k));
  if (missing.length > 0) {
    const names =
      missing.length > 1
        ? `${missing.slice(0, -1).join(", ")} or ${missing.at(-1)} parameters`
        : `${missing[0]} parameter`;
    throw new MetaUrlInvalidError(`The signed URL has no ${names}: it is incomplete (probably cut off when copied).`);
  }
  const policy = decodeCloudFrontPolicy(u.searchParams.get("Policy")!);
  const secrets = new Set<string>([text, query.slice(1)]);
  for (const part of query.slice(1).split("&")) {
    const value = part.slice(part.indexOf("=") + 1);
    if (value) secrets.add(value);
  }
  for (const [, value] of u.searchParams) if (value) secrets.add(value);
  return {
    template: path + query,
    display: `${u.origin}${u.pathname.replace(/%2a/i, "*")}${query ? "?…" : ""}`,
    host: u.hostname,
    expiresAt: policy.expiresAt,
    resource: policy.resource,
    secrets: [...secrets].filter((s) => s.length >= 4),
  };
}
