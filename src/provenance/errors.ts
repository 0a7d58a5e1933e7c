import { LlamagateError, type LlamagateErrorOptions } from "../core/errors.js";
import type { ErrorCode } from "../core/error-codes.js";

/**
 * A model signature that does not hold: malformed, made with another key, from an untrusted certificate, or over
 * files that have changed since. Category "integrity" (exit 6): the bytes are not the ones that were approved.
 */
export class SignatureError extends LlamagateError {
  constructor(code: ErrorCode, message: string, options: LlamagateErrorOptions = {}) {
    super(code, "integrity", message, options);
  }
}

/** A signature was required (`pull --require-signature`, a manifest's `signature`) and the artifact has none. */
export class SignatureNotAttachedError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("SIGNATURE_NOT_ATTACHED", "not-found", message, {
      hint: "Push the model with its signature (sign it first: llamagate sign, then llamagate push), or pull without --require-signature.",
      ...options,
    });
  }
}
