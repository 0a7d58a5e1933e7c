/**
 * Errors of the native Xet download (src/sources/hf/xet). Messages name the file, never a token or a signed URL's
 * query; each has a stable code mapped to an exit code by its category (docs/exit-codes.md).
 */
import { LlamagateError, type LlamagateErrorOptions } from "../../../core/errors.js";

/** The Hub refused the Xet read token (401/403 on xet-read-token) or the storage refused a fresh one. */
export class XetTokenRefusedError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("XET_TOKEN_REFUSED", "access", message, {
      hint: "Check that your Hugging Face token may read this repo (llamagate whoami), or pass --no-xet to download through the Hub's plain HTTP bridge.",
      ...options,
    });
  }
}

/** The storage kept answering 401 (token expired) even with a token fetched again from the Hub. */
export class XetTokenExpiredError extends LlamagateError {
  constructor(file: string, options: LlamagateErrorOptions = {}) {
    super(
      "XET_TOKEN_EXPIRED",
      "access",
      `${file}: the Xet storage refused its access token as expired, even a fresh one.`,
      {
        hint: "Check the machine's clock (the token's expiry is compared with it), then run the command again; --no-xet avoids Xet.",
        ...options,
      },
    );
  }
}

/** A signed xorb URL was refused (403) even after the reconstruction was fetched again for fresh URLs. */
export class XetUrlRefusedError extends LlamagateError {
  constructor(file: string, status: number, options: LlamagateErrorOptions = {}) {
    super(
      "XET_URL_REFUSED",
      "access",
      `${file}: the Xet storage refused its signed URL (HTTP ${status}), also a fresh one.`,
      {
        hint: "Run the command again; if it persists, pass --no-xet to download through the Hub's plain HTTP bridge.",
        ...options,
      },
    );
  }
}

/** A chunk that does not decode (bad header, LZ4 error, wrong length) or a term of the wrong length. */
export class XetCorruptChunkError extends LlamagateError {
  constructor(file: string, what: string, options: LlamagateErrorOptions = {}) {
    super("XET_CORRUPT_CHUNK", "integrity", `${file}: corrupt Xet data (${what}); nothing of it was kept.`, {
      hint: "Run the command again (the chunk is fetched anew); if it persists, pass --no-xet and report it to Hugging Face.",
      ...options,
    });
  }
}

/** The reconstruction API kept failing (5xx, 429, network) after all retries. */
export class XetReconstructionError extends LlamagateError {
  constructor(file: string, reason: string, options: LlamagateErrorOptions = {}) {
    super(
      "XET_RECONSTRUCTION_FAILED",
      "network",
      `${file}: the Xet reconstruction service failed (${reason}) after retries.`,
      {
        hint: "The Xet service is having trouble: run the command again later to resume, or pass --no-xet to use the Hub's plain HTTP bridge.",
        ...options,
      },
    );
  }
}

/** A reconstruction or xorb response that breaks the protocol (missing fields, lengths that do not add up). */
export class XetBadResponseError extends LlamagateError {
  constructor(file: string, what: string, options: LlamagateErrorOptions = {}) {
    super("XET_BAD_RESPONSE", "network", `${file}: the Xet storage answered something unusable (${what}).`, {
      hint: "A proxy or mirror may be altering responses; run the command again, or pass --no-xet to use the Hub's plain HTTP bridge.",
      ...options,
    });
  }
}

/** Internal: a signed xorb URL answered 401/403; the transfer fetches the reconstruction again for fresh URLs. */
export class XorbUrlRefused extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}
