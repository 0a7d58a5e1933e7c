import { LlamagateError, type LlamagateErrorOptions } from "../core/errors.js";
import { LICENSE_DISCLAIMER } from "./types.js";
import type { ErrorCode } from "../core/error-codes.js";

/**
 * The license terms (as llamagate reads them) block the operation, or the license was not accepted.
 * Category "license" (exit code 3). Codes: LICENSE_REQUIRES_META_LICENSE, LICENSE_NOT_PERMITTED,
 * LICENSE_NOT_ACCEPTED, LICENSE_DECLINED, LICENSE_INPUT_REQUIRED.
 */
export class LicenseBlockedError extends LlamagateError {
  constructor(code: ErrorCode, message: string, options: LlamagateErrorOptions = {}) {
    super(code, "license", message, {
      ...options,
      hint: options.hint ? `${options.hint} (${LICENSE_DISCLAIMER})` : `(${LICENSE_DISCLAIMER})`,
      details: { ...options.details, disclaimer: LICENSE_DISCLAIMER },
    });
  }
}
