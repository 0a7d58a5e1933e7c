import { LlamagateError, type LlamagateErrorOptions } from "../core/errors.js";
import type { ErrorCode } from "../core/error-codes.js";

/** The bytes do not have the expected hash, even after one fresh download. */
export class ChecksumMismatchError extends LlamagateError {
  constructor(
    readonly file: string,
    readonly algorithm: string,
    readonly expected: string,
    readonly actual: string,
    options: LlamagateErrorOptions = {},
  ) {
    super("CHECKSUM_MISMATCH", "integrity", `${file}: ${algorithm} mismatch: expected ${expected}, got ${actual}.`, {
      hint: "The file was downloaded twice with the same wrong result: the server copy or the checklist may be wrong; the bad copies were kept with a .corrupt suffix.",
      details: { file, algorithm, expected, actual },
      ...options,
    });
  }
}

/** A body that should have been a model/text file is an HTML page (wrong link, quota page, login page). */
export class HtmlInsteadOfFileError extends LlamagateError {
  constructor(file: string, options: LlamagateErrorOptions = {}) {
    super("HTML_INSTEAD_OF_FILE", "integrity", `${file}: the server sent an HTML page instead of the file.`, {
      hint: "The link is probably wrong, expired or over its download limit: open it in a browser to read the page, or get a fresh link.",
      details: { file },
      ...options,
    });
  }
}

/** The server's size differs from the expected size, or the body ended early and could not be completed. */
export class SizeMismatchError extends LlamagateError {
  /**
   * `expected` / `actual` are real byte counts: the sizes of the file, or (with `range`) the length of the
   * byte range asked for and the bytes the server sent for it (`sentAtLeast`: it was cut off there, it
   * sent more).
   */
  constructor(
    file: string,
    expected: number,
    actual: number,
    options: LlamagateErrorOptions & { sentAtLeast?: boolean; range?: { start: number; end: number } } = {},
  ) {
    const { sentAtLeast, range, ...rest } = options;
    const what = range ? ` for bytes ${range.start}-${range.end - 1}` : "";
    const has = sentAtLeast ? `the server sent at least ${actual}` : `the server has ${actual}`;
    super("SIZE_MISMATCH", "integrity", `${file}: expected ${expected} bytes${what}, ${has}.`, {
      hint: "The file on the server is not the one the listing describes; get a fresh link or file list and run again.",
      details: { file, expected, actual, ...(range ? { range } : {}), ...(sentAtLeast ? { sentAtLeast } : {}) },
      ...rest,
    });
  }
}

/** An HTTP status the engine does not retry (404, 401, 403...) or a retryable one after all retries. */
export class HttpStatusError extends LlamagateError {
  constructor(
    file: string,
    readonly status: number,
    options: LlamagateErrorOptions & { retryAfterMs?: number } = {},
  ) {
    super(`HTTP_${status}`, categoryFor(status), `${file}: the server answered HTTP ${status}.`, {
      hint: hintFor(status),
      details: { file, status },
      ...options,
    });
    this.retryAfterMs = options.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}

/** Connection errors, premature close, stalls (retryable). */
export class TransferNetworkError extends LlamagateError {
  constructor(
    file: string,
    readonly reason: string,
    options: LlamagateErrorOptions = {},
  ) {
    super("NETWORK", "network", `${file}: ${reason}.`, {
      hint: "Check the network connection and run the same command again: downloaded bytes are kept and the transfer resumes.",
      details: { file, reason },
      ...options,
    });
  }
}

function categoryFor(status: number) {
  if (status === 401 || status === 403) return "access" as const;
  if (status === 404 || status === 410) return "not-found" as const;
  return "network" as const;
}

function hintFor(status: number): string {
  if (status === 401 || status === 403)
    return "Access was refused: check the link or credentials (a signed link may have expired).";
  if (status === 404 || status === 410)
    return "The file does not exist at that address: check the model name, revision or link.";
  if (status === 429) return "The server is rate-limiting: wait a few minutes and run the same command again.";
  return "The server failed; run the same command again later: downloaded bytes are kept.";
}

/** The server did not honour a Range request as asked (whole file, another range, or 416). */
export class RangeRefusedError extends TransferNetworkError {
  constructor(
    file: string,
    readonly kind: "ignored" | "mismatch" | "unsatisfiable",
    /** The file size a 416 answer named (Content-Range "bytes *\/N"). */
    readonly serverTotal?: number,
  ) {
    super(
      file,
      kind === "ignored"
        ? "the server ignored the byte range asked for"
        : kind === "mismatch"
          ? "the server answered a different byte range than requested"
          : "the partial file does not fit the file on the server",
    );
  }
}

/** A file (TransferFile.maxBytes) is larger than its cap: it is refused, and nothing of it is kept. */
export class FileTooLargeError extends LlamagateError {
  constructor(code: ErrorCode, message: string, options: LlamagateErrorOptions = {}) {
    super(code, "integrity", message, {
      hint: "The server sent a file far larger than such a file can be; nothing of it was kept. Check the link or the server.",
      ...options,
    });
  }
}

/** A file of a listing, a layer or a bundle has a name llamagate keeps for its own files in a destination. */
export class ReservedNameError extends LlamagateError {
  constructor(file: string, reason: string, options: LlamagateErrorOptions = {}) {
    super("RESERVED_NAME", "integrity", `${file}: ${reason}; refusing to write it.`, {
      hint: "The source ships a file under a name llamagate uses for its lock, partial or sidecar files: report it to whoever publishes it. Nothing was written under that name.",
      details: { file },
      ...options,
    });
  }
}
