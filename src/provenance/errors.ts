import { LlamagateError, type LlamagateErrorOptions } from "../core/errors.js";

/**
 * A model signature that does not hold: malformed, made with another key, from an untrusted certificate, or over
 * files that have changed since. Category "integrity" (exit 6): the bytes are not the ones that were approved.
 */
export class SignatureError extends LlamagateError {
  constructor(code: string, message: string, options: LlamagateErrorOptions = {}) {
    super(code, "integrity", message, options);
  }
}
