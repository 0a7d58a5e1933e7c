import { LlamagateError, type LlamagateErrorOptions } from "../../core/errors.js";
import type { ErrorCode } from "../../core/error-codes.js";

/** A bundle is malformed, unsafe (paths leaving the destination, links, devices, duplicates) or corrupted. */
export class BundleError extends LlamagateError {
  constructor(code: ErrorCode, message: string, options: LlamagateErrorOptions = {}) {
    super(code, "integrity", message, {
      hint: "Nothing was written to the destination. Copy the bundle again from its source (or pack it again) and retry.",
      ...options,
    });
  }
}
