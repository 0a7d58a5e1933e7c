/** Errors of the conversion domain (category "conversion" → exit 9, unless noted). */
import { LlamagateError, type LlamagateErrorOptions } from "../core/errors.js";
import type { ErrorCode } from "../core/error-codes.js";

/** The input cannot be converted as asked (missing params.json, shards that disagree, unsupported dtype...). */
export class ConversionError extends LlamagateError {
  constructor(code: ErrorCode, message: string, options: LlamagateErrorOptions = {}) {
    super(code, "conversion", message, options);
  }
}
