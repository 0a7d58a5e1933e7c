import { LlamagateError, type LlamagateErrorOptions } from "../../core/errors.js";

/** Where a new Meta download link comes from (the form mails a fresh one). */
export const META_DOWNLOAD_FORM = "https://www.llama.com/llama-downloads/";

/** The signed URL the user gave is not a usable Meta download link (typo, truncated, wrapped, wrong scheme). */
export class MetaUrlInvalidError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("META_URL_INVALID", "usage", message, {
      // No "Policy=" here: rendered text goes through redactText, which would mangle it.
      hint: "Copy the whole URL text from Meta's email (https://download.llamameta.net/* followed by its Policy, Signature and Key-Pair-Id parameters) and pass it with --meta-url - or LLAMAGATE_META_URL.",
      ...options,
    });
  }
}

/** The signed URL's CloudFront policy has expired (checked before any request, and on a 403 mid-run). */
export class SignedUrlExpiredError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("SIGNED_URL_EXPIRED", "access", message, {
      hint: `Request a new link at ${META_DOWNLOAD_FORM} (links last 24 hours), then run the same command with it: finished files are kept.`,
      ...options,
    });
  }
}

/** The CDN refused a still-valid link: download limit used up, or a link for another model family. */
export class SignedUrlRejectedError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("SIGNED_URL_REJECTED", "access", message, {
      hint: `Request a new link at ${META_DOWNLOAD_FORM} for this model family, then run the same command with it: finished files are kept.`,
      ...options,
    });
  }
}

/** The server answered with an HTML page (a wrongly copied link, the "Excessive Downloads" page) instead of a file. */
export class MetaHtmlPageError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("META_HTML_PAGE", "access", message, {
      hint: `Copy the URL text itself from Meta's email (not via "Copy link address"), or request a new link at ${META_DOWNLOAD_FORM}.`,
      ...options,
    });
  }
}
