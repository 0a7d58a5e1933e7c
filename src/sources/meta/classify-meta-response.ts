import { LlamagateError } from "../../core/errors.js";
import { formatUtc } from "./format-time.js";
import {
  META_DOWNLOAD_FORM,
  MetaHtmlPageError,
  MetaUrlInvalidError,
  SignedUrlExpiredError,
  SignedUrlRejectedError,
} from "./errors.js";

export interface ClassifyMetaResponseParams {
  /** HTTP status of the response. */
  status: number;
  /** Response headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** First bytes of the body, as text (may be empty). Never shown: it can echo the signed URL. */
  bodySnippet: string;
  /** Safe name of the file, e.g. "llama-2-7b/consolidated.00.pth". */
  displayName: string;
  /** When the link's policy expires. */
  expiresAt: Date;
  /** Current time (injectable for tests). */
  now?: Date;
  /** The transfer engine already saw an HTML page where the file should be. */
  html?: boolean;
}

/**
 * Explain a Meta CDN answer that is not the file: 403 (expired vs. refused), 404, or an HTML page where a file
 * was expected. Returns undefined when the response is not one of these (the engine then retries or fails
 * generically). The raw body is never put in the message: CloudFront's XML and HTML pages are summarised.
 */
export function classifyMetaResponse(p: ClassifyMetaResponseParams): LlamagateError | undefined {
  const { status, bodySnippet, displayName } = p;
  const now = p.now ?? new Date();
  const cdnCode = /<Code>([A-Za-z]{1,64})<\/Code>/.exec(bodySnippet)?.[1];
  const details = { status, file: displayName, ...(cdnCode ? { cdnCode } : {}) };
  if (looksLikeHtml(p)) return htmlError(p, details);
  if (status === 403 || status === 401) {
    if (now.getTime() >= p.expiresAt.getTime()) {
      return new SignedUrlExpiredError(
        `The signed URL expired at ${formatUtc(p.expiresAt)}; the CDN refused ${displayName} (HTTP ${status}).`,
        {
          details,
        },
      );
    }
    if (/Missing Key-Pair|Missing Signature|Missing Policy/i.test(bodySnippet)) {
      return new MetaUrlInvalidError(
        `The CDN says the link is incomplete while fetching ${displayName} (HTTP ${status}).`,
        { details },
      );
    }
    // CloudFront answers a changed Signature exactly like a used-up link: say both, and how to tell them apart.
    return new SignedUrlRejectedError(
      `The CDN refused ${displayName} (HTTP ${status}) although the link is valid until ${formatUtc(p.expiresAt)}: the link may have been damaged when pasted (a changed or cut Signature is refused like this), its download limit may be used up (Meta allows a few downloads per link), or it is a link for another model family.`,
      {
        details,
        hint:
          "To tell: compare the link with the email (one line, no spaces or line breaks, from https:// to the end of Download-Request-ID=...) and paste it again; " +
          `if it matches and was used before, request a new link at ${META_DOWNLOAD_FORM}, then run the same command with it (finished files are kept).`,
      },
    );
  }
  if (status === 404) {
    return new LlamagateError("META_FILE_NOT_FOUND", "not-found", `${displayName} is not on the CDN (HTTP 404).`, {
      hint: "Check that the link is for this model family (Llama 2 and Code Llama links differ).",
      details,
    });
  }
  return undefined;
}

function looksLikeHtml({ status, headers, bodySnippet, html }: ClassifyMetaResponseParams): boolean {
  if (html) return true;
  const type = String(headers["content-type"] ?? "");
  if (status >= 300 && status < 400) return false;
  return /text\/html/i.test(type) || /^\s*<(!doctype html|html)/i.test(bodySnippet);
}

function htmlError(p: ClassifyMetaResponseParams, details: Record<string, unknown>): LlamagateError {
  const body = p.bodySnippet;
  if (/Excessive Download/i.test(body)) {
    return new SignedUrlRejectedError(
      `The CDN answered ${p.displayName} with its "Excessive Downloads" page: this link's download limit is used up.`,
      { details: { ...details, page: "excessive-downloads" } },
    );
  }
  if (/unsupportedbrowser|facebook/i.test(body)) {
    return new MetaHtmlPageError(
      `The server answered ${p.displayName} with a Facebook web page, not the file: the link was copied from the email as a redirect link.`,
      { details: { ...details, page: "facebook" } },
    );
  }
  return new MetaHtmlPageError(
    `The server answered ${p.displayName} with an HTML page (HTTP ${p.status}), not the file.`,
    {
      details: { ...details, page: "html" },
    },
  );
}
